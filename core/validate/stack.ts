/**
 * `StackSpec` → `Stack`: validate everything a user wrote and fill in every default, reporting ALL problems at once
 * as one `SpecErrors` (each `SpecError` names its field, e.g. `apps.web.port`, and the rule it broke).
 *
 * Every field first goes through the shape check (`shape.ts`, from the definitions of `core/stack-schema.ts`), then
 * the per-object rules (app.ts, service.ts, domain.ts, cluster.ts); this file adds what spans objects: an app and a
 * service may not share a name in one project (both would be the Kubernetes Service of that name), no custom domain
 * is claimed twice, and the names of derived objects (`<app>-domains`, `<svc>-credentials`, …) never collide.
 */
import { SpecError, SpecErrors } from "../errors.ts";
import type { App, Cluster, Service, Stack } from "../model.ts";
import { consoleHost } from "../naming.ts";
import { consoleKubernetesProblem } from "../render/console-policy.ts";
import { appObjectNames, serviceObjectNames } from "../render/names.ts";
import { type ConsoleSpec, DEFAULT_PROJECT, type StackSpec } from "../spec.ts";
import { STACK_DEF } from "../stack-schema.ts";
import { type AppContext, validateApp } from "./app.ts";
import { checkCluster } from "./cluster.ts";
import { checkCustomDomain, defaultAcmeEmail, validateDomain } from "./domain.ts";
import { validateService } from "./service.ts";
import { checkShape } from "./shape.ts";
import { isRecord, Problems } from "./values.ts";

/** A spec after `checkShape`: every field present has its declared type (required ones may be missing). */
type Shaped = Partial<StackSpec>;

export function validateStack(spec: StackSpec): Stack {
  const p = new Problems();
  if (!isRecord(spec))
    throw new SpecErrors([new SpecError("stack", "must be an object with cluster, apps and services", spec)]);
  // One walk over every field against its definition (unknown keys, missing, wrong types); the rules below then
  // read only values of the declared shape.
  const shaped = checkShape(spec, STACK_DEF, "", p) as Shaped;
  const cluster: Cluster | undefined =
    shaped.cluster === undefined ? undefined : checkCluster(shaped.cluster, "cluster", p);
  const domain = validateDomain(shaped.domain, p);
  const consoleEnabled = shaped.console?.enabled ?? false;
  const consoleDomain = checkConsoleDomain(shaped.console, domain.gateway, p);
  // The console's admission policy needs Kubernetes 1.30; without it the console could write anywhere.
  const tooOld = consoleEnabled && cluster ? consoleKubernetesProblem(cluster.k3s.version) : undefined;
  if (tooOld !== undefined) p.add("cluster.k3s.version", tooOld, cluster?.k3s.version);

  const serviceSpecs: Record<string, unknown> = shaped.services ?? {};
  const appSpecs: Record<string, unknown> = shaped.apps ?? {};
  const services: Service[] = [];
  for (const name of Object.keys(serviceSpecs).sort()) {
    const svc = validateService(name, serviceSpecs[name], p);
    if (svc) services.push(svc);
  }
  const ctx: AppContext = {
    services: declaredServices(serviceSpecs),
    ...(domain.gateway !== undefined && { gateway: domain.gateway }),
    ...(cluster !== undefined && { clusterRef: cluster.ref }),
    consoleEnabled,
  };
  const apps: App[] = [];
  for (const name of Object.keys(appSpecs).sort()) {
    const app = validateApp(name, appSpecs[name], ctx, p);
    if (app) apps.push(app);
  }
  checkAppServiceNames(appSpecs, serviceSpecs, p);
  checkDomainOwners(apps, consoleDomain, p);
  checkDerivedNames(apps, services, p);
  const acmeEmail = domain.acmeEmail ?? defaultAcmeEmail(firstCustomDomain(apps, consoleDomain), p);
  p.throwIfAny();

  const projects = [
    ...new Set([DEFAULT_PROJECT, ...apps.map((a) => a.project), ...services.map((s) => s.project)]),
  ].sort();
  const showConsole = consoleEnabled && domain.gateway !== undefined;
  return {
    cluster: cluster!,
    domain: { ...domain, ...(acmeEmail !== undefined && { acmeEmail }) },
    projects,
    services,
    apps,
    console: {
      enabled: consoleEnabled,
      ...(showConsole && { host: consoleHost(cluster!.ref, domain.gateway!) }),
      ...(consoleDomain !== undefined && { domain: consoleDomain }),
    },
  };
}

/** The first custom domain of the stack (apps by name, then the console's) and its field. */
function firstCustomDomain(
  apps: readonly App[],
  consoleDomain: string | undefined,
): { readonly domain: string; readonly at: string } | undefined {
  const app = apps.find((a) => a.domains.length > 0);
  if (app) return { domain: app.domains[0]!, at: `apps.${app.name}.domains[0]` };
  return consoleDomain === undefined ? undefined : { domain: consoleDomain, at: "console.domain" };
}

/** `console.domain`: a custom domain like an app's, and only with the console enabled (else it would do nothing). */
function checkConsoleDomain(
  spec: ConsoleSpec | undefined,
  gateway: string | undefined,
  p: Problems,
): string | undefined {
  if (spec?.domain === undefined) return undefined;
  if (spec.enabled !== true) {
    p.add("console.domain", "is set but the console is not enabled; set console.enabled: true or remove the domain");
    return undefined;
  }
  return checkCustomDomain(spec.domain, "console.domain", gateway, p);
}

/**
 * Names given as a list (as `kip` may generate them before building the record) must be unique. Throws a
 * `SpecErrors` naming `<field>.<name>` for every name given more than once.
 */
export function assertUniqueNames(names: readonly string[], field: string): void {
  const positions = new Map<string, number[]>();
  names.forEach((n, i) => {
    positions.set(n, [...(positions.get(n) ?? []), i]);
  });
  const errors = [...positions]
    .filter(([, at]) => at.length > 1)
    .map(
      ([n, at]) =>
        new SpecError(
          `${field}.${n}`,
          `is declared ${at.length} times (positions ${at.join(", ")}); each entry needs its own name`,
        ),
    );
  if (errors.length > 0) throw new SpecErrors(errors);
}

/** Service name → project, for every declared service, valid or not. */
function declaredServices(specs: Readonly<Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) out.set(name, projectOf(spec));
  return out;
}

function projectOf(spec: unknown): string {
  return isRecord(spec) && typeof spec["project"] === "string" ? spec["project"] : DEFAULT_PROJECT;
}

/** An app and a service of one project would both render the Kubernetes Service `<name>`. */
function checkAppServiceNames(apps: Record<string, unknown>, services: Record<string, unknown>, p: Problems): void {
  for (const name of Object.keys(apps).sort()) {
    if (!Object.hasOwn(services, name)) continue;
    const project = projectOf(apps[name]);
    if (projectOf(services[name]) !== project) continue;
    p.add(
      `apps.${name}`,
      `is also the name of a service in project ${project}; both would be the Kubernetes Service '${name}' (Service name collision): rename one`,
    );
  }
}

/** A custom domain routes to one app (or the console). */
function checkDomainOwners(apps: readonly App[], consoleDomain: string | undefined, p: Problems): void {
  const owner = new Map<string, string>(consoleDomain ? [[consoleDomain, "the console (console.domain)"]] : []);
  for (const app of apps) {
    app.domains.forEach((d, i) => {
      const first = owner.get(d);
      if (first !== undefined) {
        p.add(`apps.${app.name}.domains[${i}]`, `is already served by ${first}; a domain routes to one app`, d);
      } else owner.set(d, `app '${app.name}'`);
    });
  }
}

/** Objects derived from different apps/services (e.g. app `a`'s Ingress `a-domains` and app `a-domains`) must differ. */
function checkDerivedNames(apps: readonly App[], services: readonly Service[], p: Problems): void {
  const owners = new Map<string, string>();
  const claim = (namespace: string, names: readonly string[], who: string): void => {
    for (const n of names) {
      const key = `${namespace}/${n}`;
      const first = owners.get(key);
      if (first === undefined) owners.set(key, who);
      else if (first !== who && !p.errors.some((e) => e.field === who)) {
        // (An app/service pair sharing a name was already reported as a Service name collision.)
        p.add(who, `renders ${n} in namespace ${namespace}, which ${first} renders too; rename one of them`);
      }
    }
  };
  for (const svc of services) claim(svc.namespace, serviceObjectNames(svc), `services.${svc.name}`);
  for (const app of apps) claim(app.namespace, appObjectNames(app), `apps.${app.name}`);
}
