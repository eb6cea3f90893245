/**
 * The env vars an app gets for the services it binds. Every value is a `secretKeyRef` into the service's credentials
 * Secret: the password (and the URL, which contains it) never appears in the Deployment.
 *
 * The naming scheme, as a Heroku user would expect it:
 * - Every bound service gets variables prefixed with its own name, upper-cased with '-' → '_':
 *   service `orders-db` → `ORDERS_DB_URL`, `ORDERS_DB_HOST`, `ORDERS_DB_PORT`, `ORDERS_DB_USER`, `ORDERS_DB_PASSWORD`,
 *   `ORDERS_DB_NAME` (USER and NAME only where the engine has a user and a database). These never collide: the field
 *   is the last `_` segment and service names are unique.
 * - The first bound service of each engine group (in `bind` order) also gets the well-known names: `DATABASE_URL` and
 *   `DB_*` for postgres or mysql (one group, so an app never sees two `DATABASE_URL`s), `REDIS_URL` and `REDIS_*` for
 *   redis, `MONGODB_URL` and `MONGO_*` for mongodb. A second postgres is reachable through its own prefix only.
 * - Precedence when names meet: the app's own `env`/`secretEnv` (and `PORT`) win (a user may override), then the service-named
 *   variables, then the well-known ones. A service named `db` therefore gives exactly `DB_*` to the app.
 */
import { type CredentialKey, engineEntry } from "../catalogue.ts";
import { SpecError } from "../errors.ts";
import type { App, Service, Stack } from "../model.ts";
import { type EnvVar, secretEnv } from "./env.ts";
import { credentialsSecretName } from "./names.ts";

export type { EnvVar } from "./env.ts";

/** Env var field suffix → credentials Secret key. */
const FIELDS: readonly (readonly [string, CredentialKey])[] = [
  ["URL", "URL"],
  ["HOST", "HOST"],
  ["PORT", "PORT"],
  ["USER", "USERNAME"],
  ["PASSWORD", "PASSWORD"],
  ["NAME", "DATABASE"],
];

/** `orders-db` → `ORDERS_DB_`; a name starting with a digit gets `SERVICE_` in front (shells refuse `9DB_HOST`). */
export function servicePrefix(service: string): string {
  const upper = service.toUpperCase().replaceAll("-", "_");
  return /^[0-9]/.test(upper) ? `SERVICE_${upper}_` : `${upper}_`;
}

/** Find a bound service in the app's project. */
export function boundService(app: App, name: string, stack: Stack): Service {
  const svc = stack.services.find((s) => s.name === name && s.project === app.project);
  if (!svc) throw new SpecError(`apps.${app.name}.bind`, `names no service '${name}' in project ${app.project}`, name);
  return svc;
}

function fieldVars(svc: Service, prefix: string, urlVar: string): EnvVar[] {
  const e = engineEntry(svc.engine);
  const secret = credentialsSecretName(svc.name);
  const out: EnvVar[] = [];
  for (const [suffix, key] of FIELDS) {
    if (key === "USERNAME" && e.username === undefined) continue;
    if (key === "DATABASE" && e.database === undefined) continue;
    out.push(secretEnv(key === "URL" ? urlVar : `${prefix}${suffix}`, secret, key));
  }
  return out;
}

export function bindingEnv(app: App, stack: Stack): EnvVar[] {
  const taken = new Set([...Object.keys(app.env), ...app.secretEnv, ...(app.port !== undefined ? ["PORT"] : [])]);
  const named: EnvVar[] = [];
  const aliases: EnvVar[] = [];
  const groups = new Set<string>();
  for (const name of app.bind) {
    const svc = boundService(app, name, stack);
    const prefix = servicePrefix(svc.name);
    named.push(...fieldVars(svc, prefix, `${prefix}URL`));
    const scheme = engineEntry(svc.engine).binding;
    if (!groups.has(scheme.group)) {
      groups.add(scheme.group);
      aliases.push(...fieldVars(svc, scheme.prefix, scheme.urlVar));
    }
  }
  const out = new Map<string, EnvVar>();
  for (const v of [...named, ...aliases]) {
    if (!taken.has(v.name) && !out.has(v.name)) out.set(v.name, v);
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
