/**
 * Field checks shared by every validator in `core/validate/`: ports, counts, Kubernetes quantities, image references,
 * env var names, DNS names. Each check takes the raw value, the dotted field path and a `Problems` collector; it
 * records what is wrong (so one run reports every mistake) and returns the value typed, or undefined when it is bad.
 */
import { SpecError, SpecErrors } from "../errors.ts";
import type { Resources } from "../model.ts";
import { DNS_LABEL_RULE, isDnsLabel, isIPv4, normaliseDomain } from "../naming.ts";
import { closestName } from "./suggest.ts";

/**
 * Collects every `SpecError` of one validation pass: the one collector of every validator in `core/validate/`, so
 * one run reports every mistake, each as `<field>: <rule> (got <value>)`.
 *
 * A problem with a field's shape (unknown, missing, wrong type: `shape.ts`) settles that field: the value is dropped
 * before the rules run, and a later problem at or under the same field is the same mistake seen again, not reported.
 */
export class Problems {
  readonly errors: SpecError[] = [];
  private readonly settled: string[] = [];

  add(field: string, rule: string, got?: unknown): void {
    if (!this.isSettled(field)) this.errors.push(new SpecError(field, rule, got));
  }

  /** Report a shape problem at `field` and settle it. */
  addShape(field: string, rule: string, got?: unknown): void {
    this.add(field, rule, got);
    this.settle(field);
  }

  /** Settle `field` without a problem of its own (its entries were reported). */
  settle(field: string): void {
    this.settled.push(field);
  }

  /** Record a SpecError/SpecErrors thrown by a helper; anything else is a bug and is rethrown. */
  absorb(err: unknown): void {
    if (err instanceof SpecErrors) for (const e of err.errors) this.add(e.field, e.rule);
    else if (err instanceof SpecError) this.add(err.field, err.rule);
    else throw err;
  }

  /** Whether a problem was reported at `field` or under it (`apps.web` covers `apps.web.port`). */
  hasAt(field: string): boolean {
    return this.errors.some((e) => within(e.field, field));
  }

  get empty(): boolean {
    return this.errors.length === 0;
  }

  /** Throw every collected problem at once. */
  throwIfAny(): void {
    if (this.errors.length > 0) throw new SpecErrors(this.errors);
  }

  /** Whether `field` had a shape problem (its value was dropped, so "missing" does not mean the user left it out). */
  isSettled(field: string): boolean {
    return this.settled.some((s) => within(field, s));
  }
}

/** `field` is `parent` or a field under it (`parent.x`, `parent[0]`). */
function within(field: string, parent: string): boolean {
  return field === parent || field.startsWith(`${parent}.`) || field.startsWith(`${parent}[`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Report keys of `value` that are not in `known` (a typo such as `hostkey` would otherwise be ignored silently),
 * suggesting the known key it was probably meant to be.
 */
export function checkKnownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  field: string,
  p: Problems,
): void {
  for (const key of Object.keys(value).sort()) {
    if (known.includes(key)) continue;
    const meant = closestName(key, known);
    const hint = meant === undefined ? "" : `did you mean \`${meant}\`? `;
    p.addShape(`${field}.${key}`, `is not a known field; ${hint}Known fields: ${known.join(", ")}`);
  }
}

/** An optional object: undefined stays undefined, anything but a plain object is reported. */
export function optionalRecord(value: unknown, field: string, p: Problems): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (isRecord(value)) return value;
  p.add(field, "must be an object", value);
  return undefined;
}

export function checkString(value: unknown, field: string, p: Problems): string | undefined {
  if (typeof value === "string") return value;
  p.add(field, "must be a string", value);
  return undefined;
}

export function checkBoolean(value: unknown, fallback: boolean, field: string, p: Problems): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  p.add(field, "must be true or false", value);
  return fallback;
}

export function integerRule(min: number, max: number): string {
  return `must be a whole number between ${min} and ${max}`;
}

export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** An integer in [min, max]. */
export function checkInteger(value: unknown, min: number, max: number, field: string, p: Problems): number | undefined {
  if (isIntegerIn(value, min, max)) return value;
  p.add(field, integerRule(min, max), value);
  return undefined;
}

/** A TCP port, 1..65535. */
export function checkPort(value: unknown, field: string, p: Problems): number | undefined {
  return checkInteger(value, 1, 65535, field, p);
}

/** A list of strings (command, args, names). */
export function checkStringList(value: unknown, field: string, p: Problems): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    p.add(field, "must be a list of strings", value);
    return undefined;
  }
  let ok = true;
  value.forEach((item, i) => {
    if (typeof item !== "string") {
      p.add(`${field}[${i}]`, "must be a string", item);
      ok = false;
    }
  });
  return ok ? (value as string[]) : undefined;
}

/** Report entries that occur more than once in a list, naming each repeated entry's later position. */
export function checkNoRepeats(values: readonly string[], field: string, what: string, p: Problems): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const first = seen.get(v);
    if (first === undefined) seen.set(v, i);
    else p.add(`${field}[${i}]`, `repeats ${what} '${v}' already given at ${field}[${first}]`);
  });
}

/** A DNS-1123 label (app, service and project names). */
export function checkDnsLabel(value: unknown, field: string, p: Problems): string | undefined {
  if (typeof value === "string" && isDnsLabel(value)) return value;
  p.add(field, DNS_LABEL_RULE, value);
  return undefined;
}

export const ENV_NAME_RULE = "must be an environment variable name: a letter or '_' followed by letters, digits or '_'";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvName(value: string): boolean {
  return ENV_NAME.test(value);
}

// --- Kubernetes quantities -------------------------------------------------------------------------------------

const QUANTITY = /^(?<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a Kubernetes quantity (`500m`, `1.5`, `256Mi`, `10G`, `1e3`) as a number, or undefined if malformed. */
export function parseQuantity(value: string): number | undefined {
  const m = QUANTITY.exec(value);
  if (!m?.groups) return undefined;
  const num = Number(m.groups["num"]);
  const suffix = m.groups["suffix"] ?? "";
  if (suffix in BINARY) return num * BINARY[suffix]!;
  if (suffix in DECIMAL) return num * DECIMAL[suffix]!;
  return num * 10 ** Number(suffix.slice(1));
}

/** A common slip: `512MB`, `1GB` (Kubernetes spells them `512M`/`512Mi`, `1G`/`1Gi`). */
function quantityHint(value: string): string {
  const slip = /^(\d+(?:\.\d+)?)([KMGTPE])B$/i.exec(value);
  if (slip) return ` (did you mean '${slip[1]}${slip[2]!.toUpperCase()}i'?)`;
  return "";
}

export type QuantityKind = "cpu" | "bytes";

/**
 * A positive Kubernetes quantity. For `bytes` (memory, storage) a value under `minBytes` is refused as a likely
 * missing unit (`memory: "512"` is 512 bytes).
 */
export function checkQuantity(
  value: unknown,
  kind: QuantityKind,
  field: string,
  p: Problems,
  minBytes = 2 ** 20,
): string | undefined {
  if (typeof value !== "string") {
    p.add(
      field,
      `must be a Kubernetes quantity written as a string, e.g. ${kind === "cpu" ? "'250m' or '1'" : "'512Mi' or '10Gi'"}`,
      value,
    );
    return undefined;
  }
  const n = parseQuantity(value);
  if (n === undefined) {
    const example = kind === "cpu" ? "'250m' or '1'" : "'512Mi' or '10Gi'";
    p.add(field, `must be a Kubernetes quantity such as ${example}${quantityHint(value)}`, value);
    return undefined;
  }
  if (!(n > 0)) {
    p.add(field, "must be greater than zero", value);
    return undefined;
  }
  if (kind === "cpu" && n < 0.001) {
    p.add(field, "must be at least 1m (one thousandth of a CPU)", value);
    return undefined;
  }
  if (kind === "bytes" && n < minBytes) {
    p.add(field, `is ${n} bytes, surely missing a unit: write e.g. '${value}Mi' or '${value}Gi'`, value);
    return undefined;
  }
  return value;
}

// --- image references ----------------------------------------------------------------------------------------------

/** Docker's reference grammar, simplified: `[registry[:port]/]path[:tag][@digest]`, path components lower case. */
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REGISTRY =
  "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const IMAGE = new RegExp(`^(?:${REGISTRY}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);
const TAG_ONLY = new RegExp(`^${TAG}$`);

export const IMAGE_RULE =
  "must be a container image reference such as 'ghcr.io/acme/web:1.4.2' (lower-case repository, optional :tag and @sha256:digest, no spaces)";

export function checkImage(value: unknown, field: string, p: Problems): string | undefined {
  if (typeof value !== "string" || value.length === 0) {
    p.add(field, "must be a non-empty container image reference such as 'ghcr.io/acme/web:1.4.2'", value);
    return undefined;
  }
  if (/\s/.test(value)) {
    p.add(field, "must not contain whitespace", value);
    return undefined;
  }
  // A registry host may be the first component only when something follows it.
  const firstSlash = value.indexOf("/");
  const looksLikeRegistry = firstSlash > 0 && /[.:]|^localhost$/.test(value.slice(0, firstSlash));
  if (value.length > 4096 || !IMAGE.test(value) || (!looksLikeRegistry && /[A-Z]/.test(value.split(/[:@]/)[0]!))) {
    p.add(field, IMAGE_RULE, value);
    return undefined;
  }
  return value;
}

/** An image tag (an engine version such as `16` or `7.4-alpine`). */
export function checkTag(value: unknown, field: string, p: Problems): string | undefined {
  if (typeof value === "string" && TAG_ONLY.test(value)) return value;
  p.add(
    field,
    "must be an image tag: 1-128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'",
    value,
  );
  return undefined;
}

// --- DNS names ---------------------------------------------------------------------------------------------------

export const DOMAIN_RULE =
  "must be a fully qualified domain name such as 'shop.example.com': dot-separated DNS labels of a-z, 0-9 and '-', at most 253 characters";

export { normaliseDomain };

/** A DNS name with at least two labels, not an IPv4 address and not a wildcard. Returns the normalised name. */
export function checkDomainName(value: unknown, field: string, p: Problems): string | undefined {
  if (typeof value !== "string") {
    p.add(field, DOMAIN_RULE, value);
    return undefined;
  }
  const name = normaliseDomain(value);
  if (name.startsWith("*.")) {
    p.add(
      field,
      "must not be a wildcard: Let's Encrypt's HTTP-01 challenge issues certificates for exact names only",
      value,
    );
    return undefined;
  }
  if (isIPv4(name)) {
    p.add(field, "must be a domain name, not an IP address", value);
    return undefined;
  }
  const labels = name.split(".");
  if (name.length > 253 || labels.length < 2 || !labels.every(isDnsLabel) || /^[0-9]+$/.test(labels.at(-1)!)) {
    p.add(field, DOMAIN_RULE, value);
    return undefined;
  }
  return name;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(value: unknown, field: string, p: Problems): string | undefined {
  if (typeof value === "string" && EMAIL.test(value) && value.length <= 254) return value;
  p.add(field, "must be an email address such as ops@example.com", value);
  return undefined;
}

// --- resources -------------------------------------------------------------------------------------------------------

/**
 * CPU and memory requests and limits. A limit the user leaves out equals the request they gave (spec's `@default`);
 * with no request either, the profile's values apply. A request above its limit is refused (Kubernetes would).
 */
export function checkResources(value: unknown, profile: Resources, field: string, p: Problems): Resources {
  const spec = optionalRecord(value, field, p);
  if (!spec) return profile;
  const given = (key: keyof Resources, kind: QuantityKind): string | undefined =>
    spec[key] === undefined ? undefined : checkQuantity(spec[key], kind, `${field}.${key}`, p, 4 * 2 ** 20);
  const cpu = given("cpu", "cpu");
  const memory = given("memory", "bytes");
  const cpuLimit = given("cpuLimit", "cpu") ?? cpu ?? profile.cpuLimit;
  const memoryLimit = given("memoryLimit", "bytes") ?? memory ?? profile.memoryLimit;
  const out: Resources = {
    cpu: cpu ?? smaller(profile.cpu, cpuLimit),
    memory: memory ?? smaller(profile.memory, memoryLimit),
    cpuLimit,
    memoryLimit,
  };
  for (const [req, lim] of [
    ["cpu", "cpuLimit"],
    ["memory", "memoryLimit"],
  ] as const) {
    if (parseQuantity(out[req])! > parseQuantity(out[lim])!) {
      p.add(
        `${field}.${lim}`,
        `must be at least the request ${req}=${out[req]} (Kubernetes refuses a request above its limit)`,
        out[lim],
      );
    }
  }
  return out;
}

function smaller(a: string, b: string): string {
  return parseQuantity(a)! <= parseQuantity(b)! ? a : b;
}

// --- projects ----------------------------------------------------------------------------------------------------------

/**
 * Namespaces Kubernetes, k3s or Skipper's own parts own: no project may take them (the console's, the gateway
 * registration's and the gateway's among them: a project there would mix apps with their objects and rights).
 */
const RESERVED_NAMESPACES: ReadonlySet<string> = new Set([
  "default",
  "cert-manager",
  "skipper-system",
  "skipper-console",
  "skipper-registration",
  "skipper-gateway",
]);

/** A project name: a DNS label that is not a system namespace. `fallback` when absent. */
export function checkProject(value: unknown, fallback: string, field: string, p: Problems): string {
  if (value === undefined) return fallback;
  const name = checkDnsLabel(value, field, p);
  if (name === undefined) return fallback;
  if (RESERVED_NAMESPACES.has(name) || name.startsWith("kube-")) {
    p.add(field, "names a namespace that Kubernetes or Skipper's own parts own; choose another project name", value);
    return fallback;
  }
  return name;
}
