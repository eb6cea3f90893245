/**
 * The questions of an interactive `kip init` (`@inquirer/prompts`): the host and SSH user (with an offer to fetch and
 * pin the host key, showing its fingerprint), the domain mode, the databases and the first apps. Every answer is
 * checked on the spot by the stack validator itself (the candidate stack is validated and the problems of the field
 * just asked are shown), so what is accepted here is what `validateStack` accepts.
 */
import { checkbox, confirm, input, select } from "@inquirer/prompts";
import { SpecErrors } from "../../core/errors.ts";
import type { AppSpec, HostSpec, ServiceEngine, ServiceSpec, StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import type { InitFlags } from "../commands/init.ts";
import { fetchAndShowHostKey } from "./init-command.ts";
import { type InitAnswers, specFromAnswers } from "./init-project.ts";

type Base = Omit<InitAnswers, "apps" | "services">;

/** The validator's first problem at `field` (or under it) for `spec`, as `validate` of a prompt wants it. */
function problemAt(spec: StackSpec, field: string): string | true {
  try {
    validateStack(spec);
    return true;
  } catch (err) {
    if (!(err instanceof SpecErrors)) throw err;
    const e = err.errors.find(
      (x) => x.field === field || x.field.startsWith(`${field}.`) || x.field.startsWith(`${field}[`),
    );
    return e ? `${e.field}: ${e.rule}` : true;
  }
}

const ENGINES: readonly { value: ServiceEngine; name: string }[] = [
  { value: "postgres", name: "PostgreSQL" },
  { value: "mysql", name: "MySQL" },
  { value: "redis", name: "Redis" },
  { value: "mongodb", name: "MongoDB" },
];

export async function askInitAnswers(flags: InitFlags): Promise<{
  base: Base;
  apps: Record<string, AppSpec>;
  services: Record<string, ServiceSpec>;
}> {
  const draft = (base: Base, apps: Record<string, AppSpec> = {}, services: Record<string, ServiceSpec> = {}) =>
    specFromAnswers({ ...base, apps, services });

  const address = await input({
    message: "Server address (IPv4 or DNS name)",
    ...(flags.host !== undefined && { default: flags.host }),
    validate: (v) => problemAt(draft({ host: { address: v.trim() }, console: false }), "cluster.hosts[0].address"),
  });
  const user = await input({
    message: "SSH user (root, or one with passwordless sudo)",
    default: flags.user ?? "root",
    validate: (v) => problemAt(draft({ host: { address, user: v.trim() }, console: false }), "cluster.hosts[0].user"),
  });
  let hostKey: string | undefined = flags.hostKey;
  if (
    hostKey === undefined &&
    (await confirm({ message: `Fetch ${address}'s SSH host key now and pin it?`, default: true }))
  ) {
    try {
      const fetched = await fetchAndShowHostKey(address, flags.sshPort);
      if (await confirm({ message: "Does that fingerprint match the host's? Pin it", default: true }))
        hostKey = fetched;
    } catch (err) {
      process.stderr.write(
        `kip init: ${(err as Error).message}; continuing without a pinned key (kip hostkey can add it later)\n`,
      );
    }
  }
  const host: HostSpec = { address: address.trim(), user: user.trim(), ...(hostKey !== undefined && { hostKey }) };

  const mode = await select({
    message: "How are apps reached?",
    choices: [
      { value: "gateway", name: "Gateway subdomains: <app>-<cluster-id>.<gateway domain>, no DNS to set up" },
      { value: "own", name: "Own domains only (you point DNS at the server; Let's Encrypt certificates)" },
    ],
  });
  let base: Base = { host, console: false };
  if (mode === "gateway") {
    const gateway = await input({
      message: "Gateway domain",
      default: flags.gateway ?? "skipper.run",
      validate: (v) => problemAt(draft({ host, gateway: v.trim(), console: false }), "domain"),
    });
    const withConsole = await confirm({ message: "Deploy the web console?", default: flags.console });
    base = { host, gateway: gateway.trim(), console: withConsole };
  } else {
    const email = await input({
      message: "Email for Let's Encrypt (leave empty for admin@<your first domain's zone>)",
      validate: (v) =>
        v.trim() === "" ? true : problemAt(draft({ host, acmeEmail: v.trim(), console: false }), "domain"),
    });
    base = { host, console: false, ...(email.trim() !== "" && { acmeEmail: email.trim() }) };
  }

  const services: Record<string, ServiceSpec> = {};
  const apps: Record<string, AppSpec> = {};
  if (flags.prompt !== undefined || flags.from !== undefined) return { base, apps, services };

  for (;;) {
    const engine = await select<ServiceEngine | "done">({
      message: Object.keys(services).length === 0 ? "Add a database?" : "Add another database?",
      choices: [{ value: "done", name: "No (done)" }, ...ENGINES],
    });
    if (engine === "done") break;
    const name = await input({
      message: "Its name",
      default: Object.hasOwn(services, engine) ? `${engine}-2` : engine === "postgres" ? "db" : engine,
      validate: (v) =>
        Object.hasOwn(services, v.trim())
          ? `a service named ${v.trim()} exists already`
          : problemAt(draft(base, apps, { ...services, [v.trim()]: { engine } }), `services.${v.trim()}`),
    });
    services[name.trim()] = { engine };
  }

  while (
    await confirm({
      message: Object.keys(apps).length === 0 ? "Add an app?" : "Add another app?",
      default: Object.keys(apps).length === 0,
    })
  ) {
    const name = (
      await input({
        message: "App name",
        default: Object.keys(apps).length === 0 ? "web" : "",
        validate: (v) =>
          Object.hasOwn(apps, v.trim()) || Object.hasOwn(services, v.trim())
            ? `the name ${v.trim()} is taken`
            : problemAt(draft(base, { ...apps, [v.trim()]: { image: "nginx:1" } }, services), `apps.${v.trim()}`),
      })
    ).trim();
    const image = (
      await input({
        message: "Container image (with a tag)",
        validate: (v) =>
          problemAt(draft(base, { ...apps, [name]: { image: v.trim() } }, services), `apps.${name}.image`),
      })
    ).trim();
    const portText = (
      await input({
        message: "Port it listens on (empty for a worker without a route)",
        validate: (v) =>
          v.trim() === ""
            ? true
            : problemAt(draft(base, { ...apps, [name]: { image, port: Number(v) } }, services), `apps.${name}.port`),
      })
    ).trim();
    const bind =
      Object.keys(services).length === 0
        ? []
        : await checkbox({
            message: "Databases it uses (their connection URL is injected)",
            choices: Object.keys(services).map((s) => ({ value: s, name: s, checked: true })),
          });
    const domains: string[] = [];
    if (base.gateway === undefined && portText !== "") {
      const d = await input({
        message: "Its domain (e.g. www.example.com)",
        validate: (v) =>
          problemAt(
            draft(base, { ...apps, [name]: { image, port: Number(portText), domains: [v.trim()] } }, services),
            `apps.${name}.domains`,
          ),
      });
      domains.push(d.trim());
    }
    apps[name] = {
      image,
      ...(portText !== "" && { port: Number(portText) }),
      ...(bind.length > 0 && { bind }),
      ...(domains.length > 0 && { domains }),
    };
  }
  return { base, apps, services };
}
