/**
 * `kip doctor`: the checks a deployment depends on, each with what is wrong and what to do. Node and the Pulumi CLI,
 * Pulumi.yaml, the stack file (evaluated offline, as kip synth does), each stack config file against Pulumi.yaml's
 * config schema (undeclared keys, wrong types, secrets stored in plain text), SSH reachability of the hosts, the
 * private key file's permissions and whether the host keys are pinned (and still what the hosts present).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { parseHostKey } from "../../core/k3s/hostkey.ts";
import { fetchHostKeys } from "../commands/hostkey.ts";
import { evaluateInWorker } from "../diff/run.ts";
import { checkPulumi } from "../pulumi/cli.ts";
import { resolveStackTarget } from "../synth/load.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do, for warn and fail. */
  readonly fix?: string;
}

export interface DoctorOptions {
  readonly cwd: string;
  /** Only this stack's config file (default: every Pulumi.<stack>.yaml). */
  readonly stack?: string;
  /** More hosts to check (besides `<project>:host` of the stack config). */
  readonly hosts?: readonly string[];
  /** The SSH private key file (default: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  readonly sshKey?: string;
  /** SSH port. @default 22 */
  readonly port?: number;
  /** Skip evaluating the stack file. */
  readonly skipStack?: boolean;
}

const MIN_NODE_MAJOR = 24;

function nodeCheck(): Check {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= MIN_NODE_MAJOR
    ? { name: "node", status: "ok", detail: `Node.js v${process.versions.node}` }
    : {
        name: "node",
        status: "fail",
        detail: `Node.js v${process.versions.node} is older than ${MIN_NODE_MAJOR}`,
        fix: `install Node.js ${MIN_NODE_MAJOR} or newer (https://nodejs.org)`,
      };
}

async function pulumiCheck(cwd: string): Promise<Check> {
  try {
    return { name: "pulumi", status: "ok", detail: `Pulumi CLI ${await checkPulumi(cwd)}` };
  } catch (err) {
    const [detail, fix] = (err instanceof Error ? err.message : String(err)).split("\n");
    return { name: "pulumi", status: "fail", detail: detail ?? "", ...(fix ? { fix } : {}) };
  }
}

interface Declared {
  readonly type?: string;
  readonly secret?: boolean;
  readonly default?: unknown;
}

interface Project {
  readonly name: string;
  readonly config: Record<string, Declared>;
}

function projectCheck(cwd: string): { check: Check; project?: Project } {
  const file = join(cwd, "Pulumi.yaml");
  const fail = (detail: string, fix: string) => ({ check: { name: "project", status: "fail" as const, detail, fix } });
  if (!existsSync(file))
    return fail(`no Pulumi.yaml in ${cwd}`, "run kip doctor in the project folder (kip init creates one)");
  let doc: Record<string, unknown>;
  try {
    doc = (parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
  } catch {
    return fail("Pulumi.yaml is not valid YAML", "fix its syntax");
  }
  if (typeof doc["name"] !== "string") return fail("Pulumi.yaml has no 'name'", "add name: <project>");
  const main = typeof doc["main"] === "string" ? doc["main"] : undefined;
  if (main && !existsSync(join(cwd, main)))
    return fail(`Pulumi.yaml's main '${main}' does not exist`, "point main at the stack file");
  const config: Record<string, Declared> = {};
  for (const [k, v] of Object.entries((doc["config"] ?? {}) as Record<string, unknown>)) {
    config[k.includes(":") ? k : `${doc["name"]}:${k}`] =
      typeof v === "object" && v !== null ? (v as Declared) : { default: v };
  }
  return {
    check: {
      name: "project",
      status: "ok",
      detail: `Pulumi.yaml: project ${doc["name"]}${main ? `, main ${main}` : ""}`,
    },
    project: { name: doc["name"], config },
  };
}

async function stackFileCheck(cwd: string): Promise<Check> {
  try {
    const target = resolveStackTarget(undefined, cwd);
    const side = await evaluateInWorker({ target, fingerprintKey: randomBytes(32).toString("hex") }, target.shown);
    const steps = new Set([...side.scripts.keys()].map((f) => f.replace(/\.(stdin|delete\.sh)$/, ".sh"))).size;
    return {
      name: "stack file",
      status: "ok",
      detail: `${target.shown} evaluates offline: ${side.objects.length} Kubernetes objects, ${steps} host steps`,
    };
  } catch (err) {
    return {
      name: "stack file",
      status: "fail",
      detail: err instanceof Error ? err.message : String(err),
      fix: "fix the field the message names; kip synth shows what the stack renders",
    };
  }
}

function typeOk(type: string | undefined, raw: unknown): boolean {
  if (type === undefined) return true;
  if (type === "string") return typeof raw === "string" || typeof raw === "number";
  if (type === "integer") return Number.isInteger(typeof raw === "string" ? Number(raw) : raw);
  if (type === "boolean") return typeof raw === "boolean" || raw === "true" || raw === "false";
  if (type === "array") return Array.isArray(raw);
  return true;
}

function isSecure(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof (v as { secure?: unknown }).secure === "string";
}

/** One check per stack config file; also returns each stack's config values. */
function configChecks(
  cwd: string,
  project: Project,
  only?: string,
): { checks: Check[]; values: Map<string, Record<string, unknown>> } {
  const files = readdirSync(cwd)
    .filter((f) => /^Pulumi\.[\w.-]+\.yaml$/.test(f) && f !== "Pulumi.yaml")
    .filter((f) => only === undefined || f === `Pulumi.${only}.yaml`)
    .sort();
  const checks: Check[] = [];
  const values = new Map<string, Record<string, unknown>>();
  if (files.length === 0) {
    checks.push({
      name: "config",
      status: "warn",
      detail: only ? `no Pulumi.${only}.yaml` : "no stack config file (Pulumi.<stack>.yaml)",
      fix: "create a stack: pulumi stack init <name>, then pulumi config set …",
    });
  }
  for (const file of files) {
    const stack = file.slice("Pulumi.".length, -".yaml".length);
    let doc: Record<string, unknown>;
    try {
      doc = (parse(readFileSync(join(cwd, file), "utf8")) ?? {}) as Record<string, unknown>;
    } catch {
      checks.push({
        name: `config ${stack}`,
        status: "fail",
        detail: `${file} is not valid YAML`,
        fix: "fix its syntax",
      });
      continue;
    }
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries((doc["config"] ?? {}) as Record<string, unknown>)) {
      set[k.includes(":") ? k : `${project.name}:${k}`] = v;
    }
    values.set(stack, set);
    const problems: { fail: boolean; text: string }[] = [];
    for (const [key, v] of Object.entries(set)) {
      const decl = project.config[key];
      if (key.startsWith(`${project.name}:`) && !decl) {
        // Secret env of apps is open-ended (secret.<app>.<NAME>); anything else is probably a typo.
        if (!key.startsWith(`${project.name}:secret.`))
          problems.push({ fail: false, text: `${key} is not declared in Pulumi.yaml` });
        continue;
      }
      if (!decl) continue;
      if (decl.secret && !isSecure(v)) {
        problems.push({
          fail: true,
          text: `${key} is a secret stored in plain text: pulumi config set --secret ${key} --stack ${stack}`,
        });
      }
      if (!isSecure(v) && !typeOk(decl.type, v))
        problems.push({ fail: true, text: `${key} must be ${decl.type} (Pulumi.yaml)` });
    }
    for (const [key, decl] of Object.entries(project.config)) {
      if (decl.default === undefined && !(key in set) && decl.secret) {
        problems.push({ fail: true, text: `${key} is not set: pulumi config set --secret ${key} --stack ${stack}` });
      }
    }
    checks.push(
      problems.length === 0
        ? { name: `config ${stack}`, status: "ok", detail: `${file} matches Pulumi.yaml's config` }
        : {
            name: `config ${stack}`,
            status: problems.some((p) => p.fail) ? "fail" : "warn",
            detail: `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`,
            fix: problems.map((p) => p.text).join("; "),
          },
    );
  }
  return { checks, values };
}

/** Connect to `host:port` and read the SSH banner (bounded). */
function sshBanner(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let data = "";
    const done = (err?: Error): void => {
      socket.destroy();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(data.split("\r\n")[0]?.trim() ?? "");
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.on("data", (d) => {
      data += d.toString("latin1");
      if (data.includes("\n")) done();
    });
    socket.on("error", (err) => done(err));
    socket.on("end", () => done(new Error("closed the connection without an SSH banner")));
  });
}

async function hostChecks(host: string, port: number, pinned: string | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  let banner: string;
  try {
    banner = await sshBanner(host, port);
  } catch (err) {
    return [
      {
        name: `ssh ${host}`,
        status: "fail",
        detail: `cannot reach ${host}:${port} (${(err as Error).message})`,
        fix: "check the address, that sshd runs and that a firewall lets port 22 through from here",
      },
    ];
  }
  if (!banner.startsWith("SSH-")) {
    return [
      {
        name: `ssh ${host}`,
        status: "fail",
        detail: `${host}:${port} answered, but not as SSH`,
        fix: "check the port",
      },
    ];
  }
  checks.push({ name: `ssh ${host}`, status: "ok", detail: `${host}:${port} answers: ${banner.slice(0, 80)}` });
  if (!pinned) {
    checks.push({
      name: `host key ${host}`,
      status: "warn",
      detail: "not pinned: any key the host presents is accepted",
      fix: `pulumi config set skipper:hostKey "$(npx kip hostkey ${host})" (compare the fingerprint with your provider's console)`,
    });
    return checks;
  }
  try {
    const key = parseHostKey(pinned);
    const presented = await fetchHostKeys(host, port);
    const same = presented.some((p) => p.type === key.type && p.key === key.key);
    checks.push(
      same
        ? { name: `host key ${host}`, status: "ok", detail: `pinned ${key.type} key matches what the host presents` }
        : {
            name: `host key ${host}`,
            status: "fail",
            detail: "the host presents another key than the pinned one: every step would be refused",
            fix: "if the server was rebuilt, pin its new key with kip hostkey; otherwise something else answers at this address",
          },
    );
  } catch (err) {
    checks.push({ name: `host key ${host}`, status: "warn", detail: `could not compare: ${(err as Error).message}` });
  }
  return checks;
}

function keyCheck(given: string | undefined): Check {
  const candidates = given ? [given] : ["id_ed25519", "id_ecdsa", "id_rsa"].map((f) => join(homedir(), ".ssh", f));
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    return {
      name: "ssh key",
      status: given ? "fail" : "warn",
      detail: given ? `${given} does not exist` : "no ~/.ssh/id_ed25519, id_ecdsa or id_rsa",
      fix: "pulumi config set --secret skipper:sshPrivateKey < <your key file> (kip doctor --ssh-key FILE checks it)",
    };
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return {
      name: "ssh key",
      status: "fail",
      detail: `${file} is readable by others (mode ${mode.toString(8).padStart(4, "0")})`,
      fix: `chmod 600 ${file}`,
    };
  }
  return { name: "ssh key", status: "ok", detail: `${file} (mode ${mode.toString(8).padStart(4, "0")})` };
}

export async function runDoctor(opts: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [nodeCheck(), await pulumiCheck(opts.cwd)];
  const { check, project } = projectCheck(opts.cwd);
  checks.push(check);
  if (!project) return checks;
  if (!opts.skipStack) checks.push(await stackFileCheck(opts.cwd));
  const config = configChecks(opts.cwd, project, opts.stack);
  checks.push(...config.checks);
  checks.push(keyCheck(opts.sshKey));
  const hosts = new Map<string, string | undefined>();
  for (const values of config.values.values()) {
    const host = values[`${project.name}:host`] ?? values["skipper:host"];
    const key = values[`${project.name}:hostKey`] ?? values["skipper:hostKey"];
    if (typeof host === "string") hosts.set(host, typeof key === "string" ? key : undefined);
  }
  for (const h of opts.hosts ?? []) if (!hosts.has(h)) hosts.set(h, undefined);
  for (const [host, pinned] of hosts) checks.push(...(await hostChecks(host, opts.port ?? 22, pinned)));
  return checks;
}
