/**
 * Names and the subdomain scheme (DESIGN.md §5). One place builds and parses every public host name, so the gateway,
 * the components and the console agree on them.
 *
 * - A cluster id is either the host's IPv4 address with dashes (`203-0-113-10`) or a chosen name (`acme`).
 * - Every public name is a single DNS label under the base domain, so one wildcard certificate covers them all:
 *   `203-0-113-10.<base>` is the cluster, `hello-203-0-113-10.<base>` is app `hello` on it, and for a named cluster
 *   the separator is a double dash: `hello--acme.<base>` (app names may contain single dashes).
 */
import { SpecError } from "./errors.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const DASHED_IPV4 = new RegExp(`^${OCTET}-${OCTET}-${OCTET}-${OCTET}$`);
/** A label that ends in four dash-separated numbers: reserved for IP-derived cluster ids. */
const ENDS_LIKE_IP = /(^|-)\d+-\d+-\d+-\d+$/;
const DOTTED_IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** Labels that no cluster may take: they name the gateway's own services or invite phishing. */
export const RESERVED_CLUSTER_NAMES: ReadonlySet<string> = new Set([
  "console",
  "api",
  "www",
  "admin",
  "gateway",
  "skipper",
  "kip",
  "register",
  "health",
  "healthz",
  "status",
  "metrics",
  "login",
  "logout",
  "auth",
  "sso",
  "oauth",
  "oidc",
  "account",
  "accounts",
  "signup",
  "docs",
  "support",
  "help",
  "security",
  "billing",
  "blog",
  "mail",
  "smtp",
  "mx",
  "ns1",
  "ns2",
  "webmail",
  "dashboard",
  "app",
  "apps",
  "static",
  "cdn",
  "assets",
  "localhost",
]);

/** The RFC 1123 label rule, in words, for error messages. */
export const DNS_LABEL_RULE =
  "must be a DNS-1123 label: 1-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit";

export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** Throw a SpecError naming `field` unless `value` is a DNS-1123 label. */
export function assertDnsLabel(value: unknown, field: string): asserts value is string {
  if (typeof value !== "string" || !isDnsLabel(value)) throw new SpecError(field, DNS_LABEL_RULE, value);
}

export function isIPv4(value: string): boolean {
  return DOTTED_IPV4.test(value);
}

/** `203.0.113.10` → `203-0-113-10`. Throws when the address is not a canonical dotted IPv4 address. */
export function clusterIdFromIp(ip: string): string {
  if (!isIPv4(ip)) throw new SpecError("ip", "must be a dotted IPv4 address such as 203.0.113.10", ip);
  return ip.replaceAll(".", "-");
}

/** `203-0-113-10` → `203.0.113.10`, or undefined when the id is not IP-derived. */
export function ipFromClusterId(id: string): string | undefined {
  return DASHED_IPV4.test(id) ? id.replaceAll("-", ".") : undefined;
}

/** A cluster as the subdomain scheme sees it: IP-derived, or named. */
export type ClusterRef =
  | { readonly kind: "ip"; readonly ip: string }
  | { readonly kind: "name"; readonly name: string };

/** Why a chosen cluster name is refused, or undefined when it is acceptable. */
export function clusterNameProblem(name: string): string | undefined {
  if (!isDnsLabel(name)) return DNS_LABEL_RULE;
  if (name.includes("--")) return "must not contain '--' (the double dash separates app and cluster in host names)";
  if (ENDS_LIKE_IP.test(name))
    return "must not end in four dash-separated numbers (that form is kept for IP-derived ids)";
  if (RESERVED_CLUSTER_NAMES.has(name)) return "is reserved; choose another name";
  return undefined;
}

/** The id of a cluster: the dashed IP, or the name. Validates the name. */
export function clusterId(ref: ClusterRef): string {
  if (ref.kind === "ip") return clusterIdFromIp(ref.ip);
  const problem = clusterNameProblem(ref.name);
  if (problem) throw new SpecError("cluster.name", problem, ref.name);
  return ref.name;
}

/** A domain name in the one form Skipper compares and prints: lower case, without a trailing dot. */
export function normaliseDomain(value: string): string {
  const lower = value.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

function normaliseBase(base: string): string {
  const b = normaliseDomain(base);
  if (!b || b.split(".").some((l) => !isDnsLabel(l))) {
    throw new SpecError("domain.gateway", "must be a domain name such as skipper.run", base);
  }
  return b;
}

/** The single label that names `prefix` (an app, or `console`) on a cluster. */
export function subdomainLabel(prefix: string, ref: ClusterRef): string {
  assertDnsLabel(prefix, "name");
  const id = clusterId(ref);
  const label = ref.kind === "ip" ? `${prefix}-${id}` : `${prefix}--${id}`;
  if (label.length > 63) {
    throw new SpecError(
      "name",
      `is too long for the subdomain scheme: '${label}' has ${label.length} characters, a DNS label allows 63`,
      prefix,
    );
  }
  return label;
}

/** `203-0-113-10.<base>` or `acme.<base>`: the cluster's own host. */
export function clusterHost(ref: ClusterRef, base: string): string {
  return `${clusterId(ref)}.${normaliseBase(base)}`;
}

/** `hello-203-0-113-10.<base>` or `hello--acme.<base>`: the host of app `app`. */
export function appHost(app: string, ref: ClusterRef, base: string): string {
  return `${subdomainLabel(app, ref)}.${normaliseBase(base)}`;
}

/** The console's host on a cluster. */
export function consoleHost(ref: ClusterRef, base: string): string {
  return appHost("console", ref, base);
}

/** What a host under the base domain names. `prefix` is the app (or `console`), absent for the cluster's own host. */
export interface ParsedHost {
  readonly clusterId: string;
  readonly kind: "ip" | "name";
  readonly prefix?: string;
}

/**
 * Parse a Host header value against the base domain. Returns undefined unless the host is exactly one valid label
 * under `base` that names a cluster. Accepts upper case, a trailing dot and a `:port` suffix (the Host header forms a
 * browser may send); anything else (IPv6 literals, several labels, empty labels, non-ASCII) is refused.
 */
export function parseHost(host: string, base: string): ParsedHost | undefined {
  const b = normaliseBase(base);
  let h = host;
  const colon = h.lastIndexOf(":");
  if (colon !== -1) {
    if (!/^[0-9]{1,5}$/.test(h.slice(colon + 1))) return undefined;
    h = h.slice(0, colon);
  }
  h = normaliseDomain(h);
  if (!h.endsWith(`.${b}`)) return undefined;
  const label = h.slice(0, -(b.length + 1));
  if (!isDnsLabel(label)) return undefined;
  return parseLabel(label);
}

/** Parse one label (see parseHost). */
export function parseLabel(label: string): ParsedHost | undefined {
  if (!isDnsLabel(label)) return undefined;
  const parts = label.split("-");
  if (parts.length >= 4) {
    const tail = parts.slice(-4).join("-");
    if (DASHED_IPV4.test(tail)) {
      if (parts.length === 4) return { clusterId: tail, kind: "ip" };
      // `app-1-2-3-4`; `app--1-2-3-4` is accepted as the same name.
      const prefix = parts.slice(0, -4).join("-").replace(/-$/, "");
      if (!isDnsLabel(prefix)) return undefined;
      return { clusterId: tail, kind: "ip", prefix };
    }
  }
  const sep = label.lastIndexOf("--");
  if (sep === -1) {
    return clusterNameProblem(label) ? undefined : { clusterId: label, kind: "name" };
  }
  const prefix = label.slice(0, sep);
  const name = label.slice(sep + 2);
  if (!isDnsLabel(prefix) || clusterNameProblem(name)) return undefined;
  return { clusterId: name, kind: "name", prefix };
}
