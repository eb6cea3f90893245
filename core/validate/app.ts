/**
 * Validation of one app (`apps.<name>`): image, port, replicas, env and secret env names, bindings, health probe,
 * resources, custom domains, and its gateway host.
 */
import { SpecError } from "../errors.ts";
import type { App, Health, Resources } from "../model.ts";
import { appHost, type ClusterRef } from "../naming.ts";
import { DEFAULT_PROJECT } from "../spec.ts";
import { DEFAULT_HEALTH_DELAY_SECONDS, MAX_REPLICAS } from "../stack-schema.ts";
import { checkAppDomains } from "./domain.ts";
import {
  checkBoolean,
  checkDnsLabel,
  checkImage,
  checkInteger,
  checkPort,
  checkProject,
  checkResources,
  checkStringList,
  ENV_NAME_RULE,
  isEnvName,
  isRecord,
  optionalRecord,
  type Problems,
} from "./values.ts";

/** CPU and memory of an app that names none: enough for a small web process, with room to burst. */
export const DEFAULT_APP_RESOURCES: Resources = { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" };
/** What an app's validation needs to know about the rest of the stack. */
export interface AppContext {
  /** Every declared service (valid or not) and its project, so a bad service does not also break its bindings. */
  readonly services: ReadonlyMap<string, string>;
  readonly gateway?: string;
  /** Undefined when the cluster itself is invalid: the gateway host is then not checked. */
  readonly clusterRef?: ClusterRef;
  readonly consoleEnabled: boolean;
}

export function validateApp(name: string, value: unknown, ctx: AppContext, p: Problems): App | undefined {
  const field = `apps.${name}`;
  const okName = checkDnsLabel(name, field, p) !== undefined;
  if (!isRecord(value)) {
    p.add(field, "must be an object such as { image: 'ghcr.io/acme/web:1.0.0', port: 3000 }", value);
    return undefined;
  }
  const image = checkImage(value["image"], `${field}.image`, p);
  const port = value["port"] === undefined ? undefined : checkPort(value["port"], `${field}.port`, p);
  // A port given but malformed was reported already; what follows treats the app as having one.
  const hasPort = value["port"] !== undefined || p.isSettled(`${field}.port`);
  const replicas =
    value["replicas"] === undefined ? 1 : checkInteger(value["replicas"], 0, MAX_REPLICAS, `${field}.replicas`, p);
  const project = checkProject(value["project"], DEFAULT_PROJECT, `${field}.project`, p);
  const env = checkEnv(value["env"], `${field}.env`, p);
  const secretEnv = checkSecretEnv(value["secretEnv"], env, `${field}.secretEnv`, p);
  const bind = checkBind(value["bind"], project, ctx, `${field}.bind`, p);
  const health = checkHealth(value["health"], hasPort, port, `${field}.health`, p);
  const resources = checkResources(value["resources"], DEFAULT_APP_RESOURCES, `${field}.resources`, p);
  const domains = checkAppDomains(value["domains"], `${field}.domains`, ctx.gateway, p);
  const isPublic = checkBoolean(value["public"], true, `${field}.public`, p);
  const command = checkStringList(value["command"], `${field}.command`, p);
  const args = checkStringList(value["args"], `${field}.args`, p);
  if (domains.length > 0 && !hasPort) {
    p.add(`${field}.domains`, "needs the app's port: an app without a port has no Service to route the domain to");
  }
  let gatewayHost: string | undefined;
  if (ctx.consoleEnabled && name === "console") {
    // console-<cluster>.<gateway> is the console's host; an app of that name would take it (or take it later).
    p.add(field, "is the console's name on the gateway while the console is enabled; rename the app", name);
  } else if (okName && ctx.gateway !== undefined && port !== undefined && isPublic && ctx.clusterRef !== undefined) {
    gatewayHost = gatewayHostOf(name, ctx.clusterRef, ctx.gateway, field, p);
  }
  if (p.hasAt(field) || image === undefined || replicas === undefined) return undefined;
  return {
    name,
    image,
    ...(port !== undefined && { port }),
    replicas,
    project,
    namespace: project,
    env,
    secretEnv,
    bind,
    ...(health !== undefined && { health }),
    resources,
    domains,
    ...(gatewayHost !== undefined && { gatewayHost }),
    ...(command !== undefined && { command }),
    ...(args !== undefined && { args }),
  };
}

function gatewayHostOf(name: string, ref: ClusterRef, gateway: string, field: string, p: Problems): string | undefined {
  try {
    return appHost(name, ref, gateway);
  } catch (err) {
    // naming.ts names its own parameter; the user needs the app.
    if (err instanceof SpecError) p.add(field, `${err.rule}; shorten the app name or set public: false`, name);
    else throw err;
    return undefined;
  }
}

function checkEnv(value: unknown, field: string, p: Problems): Record<string, string> {
  const spec = optionalRecord(value, field, p);
  if (!spec) return {};
  const out: Record<string, string> = {};
  for (const key of Object.keys(spec).sort()) {
    const v = spec[key];
    if (!isEnvName(key)) p.add(`${field}.${key}`, ENV_NAME_RULE, key);
    else if (typeof v !== "string") {
      p.add(`${field}.${key}`, "must be a string (quote numbers and booleans: Kubernetes env values are text)", v);
    } else out[key] = v;
  }
  return out;
}

function checkSecretEnv(value: unknown, env: Readonly<Record<string, string>>, field: string, p: Problems): string[] {
  const names = checkStringList(value, field, p) ?? [];
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    if (!isEnvName(n)) p.add(`${field}[${i}]`, ENV_NAME_RULE, n);
    else if (seen.has(n)) p.add(`${field}[${i}]`, `repeats '${n}' already given at ${field}[${seen.get(n)}]`);
    else if (Object.hasOwn(env, n)) {
      p.add(
        `${field}[${i}]`,
        `'${n}' is also a plain env var; a name is either plain (env) or secret (secretEnv), not both`,
      );
    } else seen.set(n, i);
  });
  return [...seen.keys()].sort();
}

/** Every binding names a declared service of the same project, once. Order is kept: it decides the alias owner. */
function checkBind(value: unknown, project: string, ctx: AppContext, field: string, p: Problems): string[] {
  const names = checkStringList(value, field, p) ?? [];
  const out: string[] = [];
  names.forEach((n, i) => {
    const at = `${field}[${i}]`;
    const svcProject = ctx.services.get(n);
    if (svcProject === undefined) {
      p.add(at, `names no service; services in project ${project}: ${listOrNone(servicesIn(project, ctx))}`, n);
    } else if (svcProject !== project) {
      p.add(
        at,
        `names service '${n}' of project ${svcProject}; an app binds only services of its own project (${project}): ${listOrNone(servicesIn(project, ctx))}`,
        n,
      );
    } else if (out.includes(n)) {
      p.add(at, `repeats '${n}' already given at ${field}[${names.indexOf(n)}]`);
    } else out.push(n);
  });
  return out;
}

function servicesIn(project: string, ctx: AppContext): string[] {
  return [...ctx.services]
    .filter(([, prj]) => prj === project)
    .map(([n]) => n)
    .sort();
}

function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? "none declared" : names.join(", ");
}

function checkHealth(
  value: unknown,
  appHasPort: boolean,
  appPort: number | undefined,
  field: string,
  p: Problems,
): Health | undefined {
  const spec = optionalRecord(value, field, p);
  if (!spec) return undefined;
  const path = spec["path"];
  if (typeof path !== "string" || !path.startsWith("/") || /\s/.test(path) || path.length > 2048) {
    p.add(`${field}.path`, "must be an HTTP path starting with '/', without spaces, e.g. '/healthz'", path);
  }
  const port = spec["port"] === undefined ? appPort : checkPort(spec["port"], `${field}.port`, p);
  if (spec["port"] === undefined && !appHasPort) {
    p.add(`${field}.port`, "is needed when the app has no port: the probe must know where to send its request");
  }
  const initialDelaySeconds =
    spec["initialDelaySeconds"] === undefined
      ? DEFAULT_HEALTH_DELAY_SECONDS
      : checkInteger(spec["initialDelaySeconds"], 0, 3600, `${field}.initialDelaySeconds`, p);
  if (typeof path !== "string" || port === undefined || initialDelaySeconds === undefined) return undefined;
  return { path, port, initialDelaySeconds };
}
