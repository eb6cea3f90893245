/**
 * Validate a `ClusterSpec` and fill in its defaults, giving the `Cluster` that the host steps and the components use.
 * Every problem found is reported at once, each naming its field (`cluster.hosts[1].address`) and the rule.
 */

import { SpecError, SpecErrors } from "../errors.ts";
import { HOST_KEY_RULE, hostKeyProblem } from "../k3s/hostkey.ts";
import type { Cluster, Host, K3s, Preflight } from "../model.ts";
import { type ClusterRef, clusterIdFromIp, clusterNameProblem, isIPv4 } from "../naming.ts";
import type { ClusterSpec, HostSpec, PreflightSpec } from "../spec.ts";

/** k3s release tags: `v1.31.4+k3s1`, also release candidates such as `v1.32.0-rc1+k3s1`. */
const K3S_VERSION = /^v\d+\.\d+\.\d+(-rc\d+)?\+k3s\d+$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** Linux user names as `useradd` accepts them by default. */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export const DEFAULT_INSTALL_SCRIPT_URL = "https://get.k3s.io";
export const DEFAULT_PREFLIGHT: Preflight = { minMemoryMiB: 1800, minDiskGiB: 10, ports: [80, 443, 6443] };

/** Flags Skipper sets itself; passing them through `extraServerArgs` would put secrets on argv or fight the steps. */
const OWNED_FLAGS = [
  "--token",
  "--token-file",
  "--agent-token",
  "--server",
  "--cluster-init",
  "--node-name",
  "--config",
];

function isAddress(value: string): boolean {
  return isIPv4(value) || (DNS_NAME.test(value) && !/^[0-9.]+$/.test(value));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:" || url.protocol === "file:") && !/\s/.test(value);
  } catch {
    return false;
  }
}

/** The node name derived from an address: IPv4 dots become dashes; a DNS name is used as it is. */
export function defaultNodeName(address: string): string {
  return isIPv4(address) ? address.replaceAll(".", "-") : address;
}

class Collector {
  readonly errors: SpecError[] = [];
  add(field: string, rule: string, got?: unknown): void {
    this.errors.push(new SpecError(field, rule, got));
  }
}

function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function validateHost(spec: HostSpec, index: number, field: string, out: Collector): Host {
  const f = `${field}.hosts[${index}]`;
  const address = typeof spec?.address === "string" ? spec.address.trim().toLowerCase().replace(/\.$/, "") : "";
  if (!isAddress(address)) {
    out.add(
      `${f}.address`,
      "must be an IPv4 address such as 203.0.113.10 or a DNS name such as node1.example.com",
      spec?.address,
    );
  }
  const user = spec.user ?? "root";
  if (typeof user !== "string" || !USER_NAME.test(user)) {
    out.add(`${f}.user`, "must be a Linux user name such as root or deploy", spec.user);
  }
  const port = spec.port ?? 22;
  if (!isPort(port)) out.add(`${f}.port`, "must be an integer between 1 and 65535", spec.port);
  const role = spec.role ?? (index === 0 ? "server" : "agent");
  if (role !== "server" && role !== "agent") {
    out.add(`${f}.role`, 'must be "server" or "agent"', spec.role);
  } else if (index === 0 && role !== "server") {
    out.add(`${f}.role`, 'must be "server": the first host initialises the cluster', spec.role);
  }
  let hostKey: string | undefined;
  if (spec.hostKey !== undefined) {
    const problem = typeof spec.hostKey === "string" ? hostKeyProblem(spec.hostKey) : HOST_KEY_RULE;
    if (problem) out.add(`${f}.hostKey`, problem);
    else hostKey = spec.hostKey.trim().split(/\s+/).slice(0, 2).join(" ");
  }
  const sans: string[] = [address];
  (spec.tlsSans ?? []).forEach((san, i) => {
    const value = typeof san === "string" ? san.trim().toLowerCase() : "";
    if (!isAddress(value)) out.add(`${f}.tlsSans[${i}]`, "must be an IPv4 address or a DNS name", san);
    else if (!sans.includes(value)) sans.push(value);
  });
  const nodeName = spec.nodeName ?? defaultNodeName(address);
  // A name derived from a bad address is not reported again: the address error says it all.
  if (
    (spec.nodeName !== undefined || isAddress(address)) &&
    (typeof nodeName !== "string" || !DNS_NAME.test(nodeName))
  ) {
    out.add(`${f}.nodeName`, "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.'", spec.nodeName);
  }
  return { index, address, user, port, role, ...(hostKey ? { hostKey } : {}), tlsSans: sans, nodeName } as Host;
}

function validateK3s(spec: ClusterSpec["k3s"], field: string, out: Collector): K3s {
  const f = `${field}.k3s`;
  if (typeof spec?.version !== "string" || !K3S_VERSION.test(spec.version)) {
    out.add(`${f}.version`, "must be a k3s release tag such as v1.31.4+k3s1", spec?.version);
  }
  const installScriptUrl = spec?.installScriptUrl ?? DEFAULT_INSTALL_SCRIPT_URL;
  if (!isHttpUrl(installScriptUrl)) {
    out.add(
      `${f}.installScriptUrl`,
      "must be an https://, http:// or file:// URL of the k3s install script",
      installScriptUrl,
    );
  }
  const artifactUrl = spec?.artifactUrl?.replace(/\/+$/, "");
  if (artifactUrl !== undefined && !isHttpUrl(artifactUrl)) {
    out.add(
      `${f}.artifactUrl`,
      "must be an https://, http:// or file:// URL of a k3s release mirror",
      spec?.artifactUrl,
    );
  }
  const extra = spec?.extraServerArgs ?? [];
  extra.forEach((arg, i) => {
    if (typeof arg !== "string" || !/^--[a-z0-9-]+(=\S.*)?$/.test(arg) || /[\n'"\\`$]/.test(arg)) {
      out.add(
        `${f}.extraServerArgs[${i}]`,
        "must be one k3s flag such as --disable=servicelb (no quotes, $ or newlines)",
        arg,
      );
    } else if (OWNED_FLAGS.includes(arg.split("=")[0]!)) {
      out.add(
        `${f}.extraServerArgs[${i}]`,
        `is set by Skipper itself (${OWNED_FLAGS.join(", ")} are managed); remove it`,
        arg,
      );
    }
  });
  return {
    version: spec?.version,
    installScriptUrl,
    ...(artifactUrl ? { artifactUrl } : {}),
    extraServerArgs: [...extra],
  };
}

function validatePreflight(spec: PreflightSpec | undefined, field: string, out: Collector): Preflight {
  const f = `${field}.preflight`;
  const minMemoryMiB = spec?.minMemoryMiB ?? DEFAULT_PREFLIGHT.minMemoryMiB;
  const minDiskGiB = spec?.minDiskGiB ?? DEFAULT_PREFLIGHT.minDiskGiB;
  const ports = spec?.ports ?? DEFAULT_PREFLIGHT.ports;
  if (!Number.isInteger(minMemoryMiB) || minMemoryMiB < 0) {
    out.add(`${f}.minMemoryMiB`, "must be a whole number of MiB, 0 or more", spec?.minMemoryMiB);
  }
  if (!Number.isInteger(minDiskGiB) || minDiskGiB < 0) {
    out.add(`${f}.minDiskGiB`, "must be a whole number of GiB, 0 or more", spec?.minDiskGiB);
  }
  ports.forEach((p, i) => {
    if (!isPort(p)) out.add(`${f}.ports[${i}]`, "must be an integer between 1 and 65535", p);
  });
  return { minMemoryMiB, minDiskGiB, ports: [...new Set(ports)] };
}

function clusterRef(spec: ClusterSpec, hosts: readonly Host[], field: string, out: Collector): ClusterRef | undefined {
  if (spec.name !== undefined) {
    const problem = typeof spec.name === "string" ? clusterNameProblem(spec.name) : "must be a string";
    if (problem) {
      out.add(`${field}.name`, problem, spec.name);
      return undefined;
    }
    return { kind: "name", name: spec.name };
  }
  const first = hosts[0];
  if (!first?.address) return undefined;
  if (isIPv4(first.address)) return { kind: "ip", ip: first.address };
  if (isAddress(first.address)) {
    out.add(
      `${field}.name`,
      `is required because the first host is a DNS name (${first.address}), not an IPv4 address; set cluster.name to a short DNS label such as "acme"`,
    );
  }
  return undefined;
}

/** Validate `spec` (found at `field`, usually `cluster`) and return the normalised cluster, or throw SpecError(s). */
export function validateCluster(spec: ClusterSpec, field: string): Cluster {
  const out = new Collector();
  if (!spec || typeof spec !== "object") throw new SpecError(field, "must be an object with hosts and k3s");
  const hostSpecs = Array.isArray(spec.hosts) ? spec.hosts : [];
  if (hostSpecs.length === 0) out.add(`${field}.hosts`, "must list at least one host");
  const hosts = hostSpecs.map((h, i) => validateHost(h ?? ({} as HostSpec), i, field, out));
  const seenAddress = new Map<string, number>();
  const seenNode = new Map<string, number>();
  hosts.forEach((h, i) => {
    const at = `${h.address}:${h.port}`;
    if (h.address && seenAddress.has(at)) {
      out.add(
        `${field}.hosts[${i}].address`,
        `repeats hosts[${seenAddress.get(at)}] (${at}); each host must be listed once`,
      );
    }
    seenAddress.set(at, i);
    if (h.nodeName && seenNode.has(h.nodeName)) {
      out.add(
        `${field}.hosts[${i}].nodeName`,
        `repeats the node name of hosts[${seenNode.get(h.nodeName)}]; set a distinct nodeName`,
        h.nodeName,
      );
    }
    seenNode.set(h.nodeName, i);
  });
  const k3s = validateK3s(spec.k3s, field, out);
  const preflight = validatePreflight(spec.preflight, field, out);
  const ref = clusterRef(spec, hosts, field, out);
  if (out.errors.length === 1) throw out.errors[0]!;
  if (out.errors.length > 1) throw new SpecErrors(out.errors);
  const id = ref!.kind === "ip" ? clusterIdFromIp(ref!.ip) : ref!.name;
  return { id, ref: ref!, hosts, k3s, preflight };
}
