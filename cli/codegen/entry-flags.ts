/**
 * Command-line flags → app and service specs, shared by `kip app add` / `kip service add` (one flag per field) and
 * `kip init --yes` (one `--app` / `--service` value per entry, in a compact `NAME=IMAGE key=value …` form). Values are
 * passed on as typed as possible but never "fixed": a port that is not a number stays a string, so the validator
 * refuses it with its own message.
 */
import type { AppSpec, ServiceSpec } from "../../core/spec.ts";
import { Refusal } from "./refusal.ts";

/** Digits → number; anything else unchanged (the validator names the field and the rule). */
export function numberOrRaw(value: string): number | string {
  return /^[0-9]+$/.test(value) ? Number(value) : value;
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `K=V` → [K, V]; the value may contain '='. */
export function splitPair(text: string, what: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new Refusal(`${what} must look like KEY=VALUE (got ${JSON.stringify(text)})`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Options of `kip app add` (commander camel-cases them). */
export interface AppFlags {
  readonly image: string;
  readonly port?: string;
  readonly replicas?: string;
  readonly env?: readonly string[];
  readonly secretEnv?: readonly string[];
  readonly bind?: readonly string[];
  readonly domain?: readonly string[];
  readonly project?: string;
  readonly healthPath?: string;
  readonly private?: boolean;
}

export function appFromFlags(f: AppFlags): AppSpec {
  const env = Object.fromEntries((f.env ?? []).map((e) => splitPair(e, "--env")));
  return compact({
    image: f.image,
    port: f.port === undefined ? undefined : numberOrRaw(f.port),
    replicas: f.replicas === undefined ? undefined : numberOrRaw(f.replicas),
    project: f.project,
    env: Object.keys(env).length > 0 ? env : undefined,
    secretEnv: f.secretEnv?.length ? [...f.secretEnv] : undefined,
    bind: f.bind?.length ? f.bind.flatMap(list) : undefined,
    health: f.healthPath === undefined ? undefined : { path: f.healthPath },
    domains: f.domain?.length ? f.domain.flatMap(list) : undefined,
    public: f.private ? false : undefined,
  }) as unknown as AppSpec;
}

export interface ServiceFlags {
  readonly engine: string;
  readonly engineVersion?: string;
  readonly storage?: string;
  readonly project?: string;
}

export function serviceFromFlags(f: ServiceFlags): ServiceSpec {
  return compact({
    engine: f.engine,
    version: f.engineVersion,
    storage: f.storage,
    project: f.project,
  }) as unknown as ServiceSpec;
}

/** Drop `undefined` fields, so the generated code holds only what was given. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const APP_TOKEN_HELP =
  "NAME=IMAGE [port=N] [replicas=N] [bind=SVC,SVC] [domain=D,D] [health=/PATH] [project=P] [public=false] [env.KEY=VALUE]";
export const SERVICE_TOKEN_HELP = "NAME=ENGINE[:VERSION] [storage=SIZE] [project=P]";

/** `web=ghcr.io/acme/web:1.0 port=3000 bind=db` → ["web", spec]. */
export function parseAppToken(text: string): [string, AppSpec] {
  const [head, ...rest] = text.trim().split(/[ \t]+/);
  const [name, image] = splitPair(head ?? "", `--app ${JSON.stringify(text)}: the first word (NAME=IMAGE)`);
  const env: string[] = [];
  const flags: Record<string, unknown> = { image };
  for (const token of rest) {
    const [key, value] = splitPair(token, `--app ${name}: ${JSON.stringify(token)}`);
    if (key.startsWith("env.")) env.push(`${key.slice(4)}=${value}`);
    else if (key === "port" || key === "replicas" || key === "project") flags[key] = value;
    else if (key === "bind") flags["bind"] = [value];
    else if (key === "domain" || key === "domains") flags["domain"] = [value];
    else if (key === "health") flags["healthPath"] = value;
    else if (key === "public") {
      if (value !== "true" && value !== "false") throw new Refusal(`--app ${name}: public must be true or false`);
      flags["private"] = value === "false";
    } else throw new Refusal(`--app ${name}: unknown key '${key}'; the form is ${APP_TOKEN_HELP}`);
  }
  return [name, appFromFlags({ ...(flags as unknown as AppFlags), env })];
}

/** `db=postgres:16 storage=10Gi` → ["db", spec]. */
export function parseServiceToken(text: string): [string, ServiceSpec] {
  const [head, ...rest] = text.trim().split(/[ \t]+/);
  const [name, engineVersion] = splitPair(head ?? "", `--service ${JSON.stringify(text)}: the first word`);
  const colon = engineVersion.indexOf(":");
  const flags: Record<string, string> = {
    engine: colon < 0 ? engineVersion : engineVersion.slice(0, colon),
    ...(colon < 0 ? {} : { engineVersion: engineVersion.slice(colon + 1) }),
  };
  for (const token of rest) {
    const [key, value] = splitPair(token, `--service ${name}: ${JSON.stringify(token)}`);
    if (key !== "storage" && key !== "project") {
      throw new Refusal(`--service ${name}: unknown key '${key}'; the form is ${SERVICE_TOKEN_HELP}`);
    }
    flags[key] = value;
  }
  return [name, serviceFromFlags(flags as unknown as ServiceFlags)];
}
