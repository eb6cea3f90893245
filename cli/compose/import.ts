/**
 * A Docker Compose file → Skipper apps and stateful services, for `kip init --from`. Services whose image is a
 * database the catalogue knows (postgres, mysql, redis, mongo) become stateful services with a volume and generated
 * credentials; the rest become apps (image, first container port, environment and env files, command, replicas,
 * CPU and memory reservations and limits, a curl health check's path). `depends_on` on a database, and connection strings or `*_HOST` values that name one,
 * become bindings. Secret-looking variables become `secretEnv` (their values are not copied; the commands to set
 * them are reported).
 *
 * Everything that does not map is reported with its line (parsed with `yaml`'s `parseDocument` and a line
 * counter), and so is every mapping that changes meaning (a renamed service, a dropped connection string): nothing
 * is dropped silently. Values are copied as data; the validator judges them like any stack.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { CATALOGUE } from "../../core/catalogue.ts";
import { servicePrefix } from "../../core/render/binding.ts";
import type { AppSpec, ServiceEngine, ServiceSpec } from "../../core/spec.ts";
import { composeResources } from "./resources.ts";

export interface Finding {
  /** 1-based line in the file the finding is about (the env file's, for env-file lines). */
  readonly line: number;
  /** Where: `services.web.ports[1]`, or `<env file>:KEY`. */
  readonly path: string;
  readonly message: string;
  /** `mapped` notes a mapping that changes meaning; `unmapped` is something left out. */
  readonly kind: "mapped" | "unmapped";
}

export interface ComposeImport {
  readonly apps: Record<string, AppSpec>;
  readonly services: Record<string, ServiceSpec>;
  readonly findings: readonly Finding[];
  /** `pulumi config set --secret …` commands for the variables that became secret env (values not included). */
  readonly secretCommands: readonly string[];
}

/** Images (last path segment of the repository) → engine. */
const ENGINE_IMAGES: Readonly<Record<string, ServiceEngine>> = {
  postgres: "postgres",
  postgresql: "postgres",
  mysql: "mysql",
  redis: "redis",
  mongo: "mongodb",
  mongodb: "mongodb",
};

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|_KEY$/i;

/** Keys of an app's Compose service that are mapped (the rest is reported). */
const APP_KEYS = new Set([
  "image",
  "build",
  "ports",
  "expose",
  "environment",
  "env_file",
  "depends_on",
  "command",
  "entrypoint",
  "deploy",
  "healthcheck",
]);
const SERVICE_KEYS = new Set(["image", "environment", "env_file", "volumes", "ports", "expose", "depends_on"]);

/** Why a Compose key is left out, when there is more to say than "not mapped". */
const WHY: Readonly<Record<string, string>> = {
  restart: "Kubernetes restarts containers itself (restartPolicy Always)",
  container_name: "Skipper names the Deployment after the app",
  networks: "every app and service of a project shares the namespace's network",
  volumes: "apps have no volumes in Skipper; keep state in a service (postgres, mysql, redis, mongodb)",
  links: "apps reach services by name through bindings",
  labels: "not carried over",
  logging: "logs go to the container's stdout (kubectl logs, the console)",
  secrets: "use secretEnv and `pulumi config set --secret skipper:secret.<app>.<NAME>`",
  configs: "not mapped; bake the file into the image or use env",
  privileged: "Skipper runs containers unprivileged",
  cap_add: "Skipper drops capabilities",
  user: "not mapped",
  working_dir: "not mapped; set WORKDIR in the image",
  profiles: "every imported service is deployed",
};

function firstLine(lc: LineCounter, node: unknown): number {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? lc.linePos(range[0]).line : 1;
}

/** A DNS label from a Compose service name (`my_app` → `my-app`). */
export function dnsName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

interface ImageParts {
  readonly repository: string;
  readonly tag?: string;
}

function imageParts(image: string): ImageParts {
  const at = image.indexOf("@");
  const base = at < 0 ? image : image.slice(0, at);
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/")
    ? { repository: base.slice(0, colon), tag: base.slice(colon + 1) }
    : { repository: base };
}

function engineOf(image: string): ServiceEngine | undefined {
  const { repository } = imageParts(image);
  const parts = repository.split("/");
  const last = parts.at(-1)!;
  // docker.io official images and bitnami's; anything else (a company's own "postgres") stays an app.
  const owner = parts.length >= 2 ? parts.at(-2) : "library";
  if (owner !== "library" && owner !== "bitnami" && owner !== "docker.io") return undefined;
  return ENGINE_IMAGES[last];
}

/** The container port of a Compose `ports` entry (`"8080:3000/tcp"`, `3000`, `{ target: 3000 }`). */
function containerPort(entry: unknown): { port?: number; protocol: string } {
  if (typeof entry === "number") return { port: entry, protocol: "tcp" };
  if (typeof entry === "string") {
    const [spec, protocol = "tcp"] = entry.split("/");
    const last = spec!.split(":").at(-1)!;
    const port = /^[0-9]+$/.test(last) ? Number(last) : undefined;
    return { ...(port !== undefined && { port }), protocol };
  }
  if (entry && typeof entry === "object") {
    const o = entry as { target?: unknown; protocol?: unknown };
    const port = typeof o.target === "number" ? o.target : Number(o.target);
    return { ...(Number.isInteger(port) && { port }), protocol: typeof o.protocol === "string" ? o.protocol : "tcp" };
  }
  return { protocol: "tcp" };
}

/** Env entries with their lines, from a map or a `KEY=VALUE` list. Undefined value = taken from the host. */
function envEntries(node: unknown, lc: LineCounter): { key: string; value?: string; line: number }[] {
  const out: { key: string; value?: string; line: number }[] = [];
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const v = isScalar(pair.value) ? pair.value.value : undefined;
      out.push({ key, ...(v !== null && v !== undefined && { value: String(v) }), line: firstLine(lc, pair.key) });
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const text = String(isScalar(item) ? item.value : "");
      const eq = text.indexOf("=");
      out.push({
        key: eq < 0 ? text : text.slice(0, eq),
        ...(eq >= 0 && { value: text.slice(eq + 1) }),
        line: firstLine(lc, item),
      });
    }
  }
  return out;
}

/** `KEY=VALUE` lines of an env file (comments, blank lines and `export ` prefixes handled; quotes removed). */
export function parseEnvFile(text: string): { key: string; value: string; line: number }[] {
  const out: { key: string; value: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) return;
    let value = m[2]!;
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!;
    else value = value.replace(/\s+#.*$/, "");
    out.push({ key: m[1]!, value, line: i + 1 });
  });
  return out;
}

function strings(node: unknown): string[] | undefined {
  if (isSeq(node)) return node.items.map((i) => String(isScalar(i) ? i.value : ""));
  if (isScalar(node) && typeof node.value === "string") {
    // Split a simple command line; one with quotes or shell syntax needs a person.
    return /["'`$\\|&;<>(){}]/.test(node.value) ? undefined : node.value.trim().split(/\s+/);
  }
  return undefined;
}

/** Import Compose text. `readFile` reads env files relative to the Compose file. */
export function importCompose(text: string, file: string, readFile: (path: string) => string): ComposeImport {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const findings: Finding[] = [];
  const report = (node: unknown, path: string, message: string, kind: Finding["kind"] = "unmapped") =>
    findings.push({ line: firstLine(lc, node), path, message, kind });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new Error(`${file}:${e.linePos?.[0]?.line ?? "?"}: not valid YAML: ${e.message.split("\n")[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw new Error(`${file}: not a Compose file (no top-level mapping with 'services')`);
  const servicesNode = root.get("services", true);
  if (!isMap(servicesNode)) throw new Error(`${file}: no 'services' mapping`);

  for (const pair of root.items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (key === "services") continue;
    if (key === "version" || key === "name") report(pair.key, key, "ignored (Compose metadata)", "mapped");
    else if (key === "volumes")
      report(
        pair.key,
        key,
        "named volumes become the volumes of the stateful services that use them; driver options are not mapped",
        "mapped",
      );
    else report(pair.key, key, `top-level '${key}' is not mapped${WHY[key] ? `: ${WHY[key]}` : ""}`);
  }

  // First pass: which Compose services become stateful services, and their Skipper names.
  const names = new Map<string, string>();
  const engines = new Map<string, ServiceEngine>();
  for (const pair of servicesNode.items) {
    const composeName = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const name = dnsName(composeName);
    names.set(composeName, name);
    if (name !== composeName)
      report(pair.key, `services.${composeName}`, `renamed to '${name}' (names are DNS labels)`, "mapped");
    const body = pair.value;
    const image = isMap(body) ? body.get("image") : undefined;
    const engine = typeof image === "string" ? engineOf(image) : undefined;
    if (engine) engines.set(composeName, engine);
  }
  const serviceNames = new Set([...engines.keys()].map((n) => names.get(n)!));
  const specs = new Map([...engines].map(([n, engine]) => [names.get(n)!, { engine }]));

  const apps: Record<string, AppSpec> = {};
  const services: Record<string, ServiceSpec> = {};
  const secretCommands: string[] = [];

  for (const pair of servicesNode.items) {
    const composeName = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const name = names.get(composeName)!;
    const at = `services.${composeName}`;
    const body = pair.value;
    if (!isMap(body)) {
      report(pair.key, at, "not a mapping; not imported");
      continue;
    }
    const engine = engines.get(composeName);
    if (engine) services[name] = importService(name, engine, body as YAMLMap, at, report);
    else {
      const app = importApp(name, body as YAMLMap, at, {
        lc,
        report,
        names,
        serviceNames,
        engineOf: (svc) => (services[svc] ?? specs.get(svc))?.engine,
        file,
        readFile,
        secretCommands,
      });
      if (app) apps[name] = app;
    }
  }
  findings.sort((a, b) => a.line - b.line);
  return { apps, services, findings, secretCommands };
}

/** Records a finding about `node` (its line) at `path`. */
export type Report = (node: unknown, path: string, message: string, kind?: Finding["kind"]) => void;

function importService(name: string, engine: ServiceEngine, body: YAMLMap, at: string, report: Report): ServiceSpec {
  const entry = CATALOGUE[engine];
  const image = String(body.get("image"));
  const { tag } = imageParts(image);
  const version = tag && tag !== "latest" ? tag.replace(/-(alpine|bookworm|bullseye|slim)[\w.-]*$/, "") : undefined;
  report(
    body.get("image", true),
    `${at}.image`,
    `${image} → stateful service '${name}' (${engine}${version ? ` ${version}` : ", the catalogue's version"}) with generated credentials`,
    "mapped",
  );
  for (const pair of body.items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const path = `${at}.${key}`;
    if (key === "image") continue;
    if (key === "environment" || key === "env_file") {
      report(
        pair.key,
        path,
        `not copied: Skipper generates the ${engine} credentials and gives them to the apps that bind '${name}'`,
      );
    } else if (key === "volumes") {
      report(
        pair.key,
        path,
        `→ the service's own volume at ${entry.dataPath} (size ${entry.defaultStorage}; set storage to change it)`,
        "mapped",
      );
    } else if (key === "ports" || key === "expose") {
      report(
        pair.key,
        path,
        `not published: '${name}' is reachable inside the cluster on port ${entry.port} by apps that bind it`,
      );
    } else if (key === "depends_on") {
      report(pair.key, path, "not mapped: services start independently");
    } else if (!SERVICE_KEYS.has(key)) {
      report(pair.key, path, `not mapped${WHY[key] ? `: ${WHY[key]}` : ""}`);
    }
  }
  return { engine, ...(version !== undefined && { version }) };
}

interface AppContext {
  readonly lc: LineCounter;
  readonly report: Report;
  readonly names: ReadonlyMap<string, string>;
  readonly serviceNames: ReadonlySet<string>;
  readonly engineOf: (service: string) => ServiceEngine | undefined;
  readonly file: string;
  readonly readFile: (path: string) => string;
  readonly secretCommands: string[];
}

/** What an app binding `service` reads instead of the Compose variable `replaced` (see core/render/binding.ts). */
function bindingVarNames(service: string, engine: ServiceEngine | undefined, replaced: string): string {
  const own = servicePrefix(service);
  const scheme = engine ? CATALOGUE[engine].binding : undefined;
  const fields = ["URL", "HOST", "PORT", "USER", "PASSWORD", "NAME"];
  const given = new Set([
    ...fields.map((f) => own + f),
    ...(scheme ? [scheme.urlVar, ...fields.map((f) => scheme.prefix + f)] : []),
  ]);
  const names = scheme ? `${scheme.urlVar} and ${scheme.prefix}* (first binding of its kind), ${own}*` : `${own}*`;
  const still = given.has(replaced) ? `${replaced} is one of them` : `${replaced} itself is no longer set`;
  return `the app gets ${names}; ${still}`;
}

function importApp(name: string, body: YAMLMap, at: string, ctx: AppContext): AppSpec | undefined {
  const { report, lc } = ctx;
  const image = body.get("image");
  if (typeof image !== "string") {
    const build = body.get("build", true);
    report(
      build ?? body,
      `${at}`,
      `not imported: no image${build ? " (only build:)" : ""}; build and push one, then: kip app add ${name} --image <registry/name:tag>`,
    );
    return undefined;
  }
  const app: Record<string, unknown> = { image };
  const bind: string[] = [];
  const env: Record<string, string> = {};
  const secretEnv: string[] = [];
  const addBind = (svc: string) => {
    if (!bind.includes(svc)) bind.push(svc);
  };

  const takeEnv = (key: string, value: string | undefined, line: number, path: string) => {
    const push = (message: string, kind: Finding["kind"] = "unmapped") =>
      ctx.report({ range: [lineOffset(lc, line), 0, 0] }, path, message, kind);
    if (value === undefined)
      return push(
        `${key}: taken from the host's environment in Compose; not imported (set it with kip app add --env or as secret env)`,
      );
    if (/\$\{?[A-Za-z_]/.test(value))
      return push(`${key}: uses variable interpolation (${value}); not imported, set the value yourself`);
    const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]*@)?([A-Za-z0-9_.-]+)(?::\d+)?(?:[/?#]|$)/.exec(value);
    const target = url ? (ctx.names.get(url[1]!) ?? url[1]!) : undefined;
    if (target && ctx.serviceNames.has(target)) {
      addBind(target);
      return push(
        `${key} names service '${target}': replaced by a binding (${bindingVarNames(target, ctx.engineOf(target), key)})`,
        "mapped",
      );
    }
    const hostTarget = ctx.names.get(value) ?? value;
    if (/_HOST$/.test(key) && ctx.serviceNames.has(hostTarget)) {
      addBind(hostTarget);
      return push(
        `${key}=${value}: replaced by a binding to '${hostTarget}' (${bindingVarNames(hostTarget, ctx.engineOf(hostTarget), key)})`,
        "mapped",
      );
    }
    if (SECRET_NAME.test(key)) {
      if (!secretEnv.includes(key)) secretEnv.push(key);
      ctx.secretCommands.push(`pulumi config set --secret skipper:secret.${name}.${key}   # value not copied`);
      return push(
        `${key}: looks secret, so it became secret env; its value was not copied (set it with pulumi config set --secret skipper:secret.${name}.${key})`,
        "mapped",
      );
    }
    env[key] = value;
  };

  for (const pair of body.items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const path = `${at}.${key}`;
    const value = pair.value as Node | null;
    switch (key) {
      case "image":
        break;
      case "build":
        report(pair.key, path, `ignored: the image ${image} is deployed; build and push it before pulumi up`, "mapped");
        break;
      case "ports":
      case "expose": {
        if (!isSeq(value)) {
          report(pair.key, path, "not a list; not mapped");
          break;
        }
        if (key === "expose" && app["port"] !== undefined) {
          report(pair.key, path, `not mapped: the app's port is ${app["port"]} (from ports)`);
          break;
        }
        value.items.forEach((item, i) => {
          const { port, protocol } = containerPort(isScalar(item) ? item.value : (item as YAMLMap).toJSON());
          if (protocol !== "tcp") report(item, `${path}[${i}]`, `${protocol} ports are not routed; not mapped`);
          else if (port === undefined) report(item, `${path}[${i}]`, "port range or unreadable port; not mapped");
          else if (app["port"] === undefined) {
            app["port"] = port;
            if (key === "expose")
              report(
                item,
                `${path}[${i}]`,
                `container port ${port} → the app's port (it also gets a gateway route; add --private with kip to avoid it)`,
                "mapped",
              );
          } else
            report(item, `${path}[${i}]`, `container port ${port}: an app has one port (${app["port"]}); not mapped`);
        });
        break;
      }
      case "environment":
        for (const e of envEntries(value, lc)) takeEnv(e.key, e.value, e.line, `${path}.${e.key}`);
        break;
      case "env_file": {
        const entries = isSeq(value) ? value.items : [value];
        for (const item of entries) {
          const rel = isScalar(item) ? String(item.value) : isMap(item) ? String(item.get("path")) : "";
          const envPath = resolve(dirname(ctx.file), rel);
          let text: string;
          try {
            text = ctx.readFile(envPath);
          } catch {
            report(item, path, `env file ${rel} cannot be read; its variables were not imported`);
            continue;
          }
          for (const e of parseEnvFile(text))
            takeEnv(e.key, e.value, firstLine(lc, item), `${path}(${rel}:${e.line}).${e.key}`);
        }
        break;
      }
      case "depends_on": {
        const targets = isSeq(value)
          ? value.items.map((i) => String(isScalar(i) ? i.value : ""))
          : isMap(value)
            ? value.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key))
            : [];
        for (const t of targets) {
          const svc = ctx.names.get(t) ?? t;
          if (ctx.serviceNames.has(svc)) addBind(svc);
          else
            report(pair.key, `${path}.${t}`, `'${t}' is an app: start order between apps is not modelled; not mapped`);
        }
        break;
      }
      case "command":
      case "entrypoint": {
        const list = strings(value);
        if (list) app[key === "command" ? "args" : "command"] = list;
        else
          report(
            pair.key,
            path,
            `uses quotes or shell syntax; not mapped (set ${key === "command" ? "args" : "command"} by hand as a list)`,
          );
        break;
      }
      case "deploy": {
        if (!isMap(value)) break;
        for (const d of value.items) {
          const dk = String(isScalar(d.key) ? d.key.value : d.key);
          if (dk === "replicas" && isScalar(d.value)) app["replicas"] = d.value.value;
          else if (dk === "resources" && isMap(d.value)) {
            const resources = composeResources(d.value, `${path}.${dk}`, report, d.key);
            if (resources) app["resources"] = resources;
          } else report(d.key, `${path}.${dk}`, "not mapped");
        }
        break;
      }
      case "healthcheck": {
        const test = isMap(value) ? (strings(value.get("test", true)) ?? [String(value.get("test"))]) : [];
        const m = /https?:\/\/(?:localhost|127\.0\.0\.1)(?::\d+)?(\/[^\s"']*)/.exec(test.join(" "));
        if (m) {
          app["health"] = { path: m[1] };
          report(pair.key, path, `→ HTTP probe of ${m[1]} (interval and retries not mapped)`, "mapped");
        } else report(pair.key, path, "not an HTTP check on localhost; not mapped");
        break;
      }
      default:
        if (!APP_KEYS.has(key)) report(pair.key, path, `not mapped${WHY[key] ? `: ${WHY[key]}` : ""}`);
    }
  }
  if (Object.keys(env).length > 0) app["env"] = env;
  if (secretEnv.length > 0) app["secretEnv"] = secretEnv;
  if (bind.length > 0) app["bind"] = bind;
  return app as unknown as AppSpec;
}

/** Offset of the start of a 1-based line (for reporting lines found in nested text). */
function lineOffset(lc: LineCounter, line: number): number {
  return lc.lineStarts[line - 1] ?? 0;
}

/** Read and import a Compose file from disk. */
export function importComposeFile(path: string): ComposeImport {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  return importCompose(text, path, (p) => readFileSync(p, "utf8"));
}

/** The report printed by `kip init --from`. */
export function formatReport(result: ComposeImport, file: string): string {
  const apps = Object.keys(result.apps);
  const services = Object.keys(result.services);
  const lines = [
    `kip init: from ${file}: ${apps.length} app(s)${apps.length ? ` (${apps.join(", ")})` : ""}, ${services.length} service(s)${services.length ? ` (${services.join(", ")})` : ""}`,
  ];
  const unmapped = result.findings.filter((f) => f.kind === "unmapped");
  const mapped = result.findings.filter((f) => f.kind === "mapped");
  if (mapped.length)
    lines.push(
      "  mapped with a change of meaning:",
      ...mapped.map((f) => `    ${file}:${f.line}  ${f.path}: ${f.message}`),
    );
  if (unmapped.length)
    lines.push(
      `  NOT mapped (${unmapped.length}):`,
      ...unmapped.map((f) => `    ${file}:${f.line}  ${f.path}: ${f.message}`),
    );
  if (result.secretCommands.length)
    lines.push("  set these secrets before pulumi up:", ...result.secretCommands.map((c) => `    ${c}`));
  return `${lines.join("\n")}\n`;
}
