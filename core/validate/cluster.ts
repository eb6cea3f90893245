/**
 * Validate a `ClusterSpec` and fill in its defaults, giving the `Cluster` that the host steps and the components use.
 * Every problem found is reported at once, each naming its field (`cluster.hosts[1].address`) and the rule.
 */

import { isUnknownAddress } from "../k3s/addresses.ts";
import { hostKeyProblem } from "../k3s/hostkey.ts";
import type { Cluster, Host, K3s, Preflight } from "../model.ts";
import { type ClusterRef, clusterIdFromIp, clusterNameProblem, isIPv4, normaliseDomain } from "../naming.ts";
import type { ClusterSpec, HostSpec, K3sSpec, PreflightSpec } from "../spec.ts";
import { CLUSTER_DEF, DEFAULT_INSTALL_SCRIPT_URL, DEFAULT_PREFLIGHT } from "../stack-schema.ts";
import { checkShape } from "./shape.ts";
import { Problems } from "./values.ts";

/** k3s release tags: `v1.31.4+k3s1`, also release candidates such as `v1.32.0-rc1+k3s1`. */
const K3S_VERSION = /^v\d+\.\d+\.\d+(-rc\d+)?\+k3s\d+$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** Linux user names as `useradd` accepts them by default. */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

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

/** A host whose fields have the declared shape (`checkShape`); required ones may still be missing. */
type Shaped<T> = Partial<T>;

function validateHost(spec: Shaped<HostSpec>, index: number, field: string, p: Problems): Host {
  const f = `${field}.hosts[${index}]`;
  const address = normaliseDomain(spec.address?.trim() ?? "");
  // A provider's stand-in for an address known only once the machine exists (core/k3s/addresses.ts).
  const later = isUnknownAddress(address);
  if (!later && !isAddress(address)) {
    p.add(
      `${f}.address`,
      "must be an IPv4 address such as 203.0.113.10 or a DNS name such as node1.example.com",
      spec.address,
    );
  }
  const user = spec.user ?? "root";
  if (!USER_NAME.test(user)) p.add(`${f}.user`, "must be a Linux user name such as root or deploy", spec.user);
  const role = spec.role ?? (index === 0 ? "server" : "agent");
  if (index === 0 && role !== "server") {
    p.add(`${f}.role`, 'must be "server": the first host initialises the cluster', spec.role);
  }
  let hostKey: string | undefined;
  if (spec.hostKey !== undefined) {
    const problem = hostKeyProblem(spec.hostKey);
    if (problem) p.add(`${f}.hostKey`, problem);
    else hostKey = spec.hostKey.trim().split(/\s+/).slice(0, 2).join(" ");
  }
  const sans: string[] = [address];
  (spec.tlsSans ?? []).forEach((san, i) => {
    const value = san.trim().toLowerCase();
    if (!isAddress(value)) p.add(`${f}.tlsSans[${i}]`, "must be an IPv4 address or a DNS name", san);
    else if (!sans.includes(value)) sans.push(value);
  });
  if (later && spec.nodeName === undefined) {
    p.add(`${f}.nodeName`, "is required when the address is known only once the machine exists");
  }
  const nodeName = spec.nodeName ?? defaultNodeName(address);
  // A name derived from a bad address is not reported again: the address error says it all.
  if ((spec.nodeName !== undefined || isAddress(address)) && !DNS_NAME.test(nodeName)) {
    p.add(`${f}.nodeName`, "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.'", spec.nodeName);
  }
  return {
    index,
    address,
    user,
    port: spec.port ?? 22,
    role,
    ...(hostKey ? { hostKey } : {}),
    tlsSans: sans,
    nodeName,
  };
}

function validateK3s(spec: Shaped<K3sSpec>, field: string, p: Problems): K3s {
  const f = `${field}.k3s`;
  const version = spec.version ?? "";
  if (!K3S_VERSION.test(version)) {
    p.add(`${f}.version`, "must be a k3s release tag such as v1.31.4+k3s1", spec.version);
  }
  const installScriptUrl = spec.installScriptUrl ?? DEFAULT_INSTALL_SCRIPT_URL;
  if (!isHttpUrl(installScriptUrl)) {
    p.add(
      `${f}.installScriptUrl`,
      "must be an https://, http:// or file:// URL of the k3s install script",
      installScriptUrl,
    );
  }
  const artifactUrl = spec.artifactUrl?.replace(/\/+$/, "");
  if (artifactUrl !== undefined && !isHttpUrl(artifactUrl)) {
    p.add(`${f}.artifactUrl`, "must be an https://, http:// or file:// URL of a k3s release mirror", spec.artifactUrl);
  }
  const extra = spec.extraServerArgs ?? [];
  extra.forEach((arg, i) => {
    if (!/^--[a-z0-9-]+(=\S.*)?$/.test(arg) || /[\n'"\\`$]/.test(arg)) {
      p.add(
        `${f}.extraServerArgs[${i}]`,
        "must be one k3s flag such as --disable=servicelb (no quotes, $ or newlines)",
        arg,
      );
    } else if (OWNED_FLAGS.includes(arg.split("=")[0]!)) {
      p.add(
        `${f}.extraServerArgs[${i}]`,
        `is set by Skipper itself (${OWNED_FLAGS.join(", ")} are managed); remove it`,
        arg,
      );
    }
  });
  return { version, installScriptUrl, ...(artifactUrl ? { artifactUrl } : {}), extraServerArgs: [...extra] };
}

/** Bounds and types were checked by the shape; what is left is filling the defaults and dropping repeats. */
function validatePreflight(spec: Shaped<PreflightSpec>): Preflight {
  return {
    minMemoryMiB: spec.minMemoryMiB ?? DEFAULT_PREFLIGHT.minMemoryMiB,
    minDiskGiB: spec.minDiskGiB ?? DEFAULT_PREFLIGHT.minDiskGiB,
    ports: [...new Set(spec.ports ?? DEFAULT_PREFLIGHT.ports)],
  };
}

function clusterRef(
  spec: Shaped<ClusterSpec>,
  hosts: readonly Host[],
  field: string,
  p: Problems,
): ClusterRef | undefined {
  if (spec.name !== undefined) {
    const problem = clusterNameProblem(spec.name);
    if (problem) {
      p.add(`${field}.name`, problem, spec.name);
      return undefined;
    }
    return { kind: "name", name: spec.name };
  }
  const first = hosts[0];
  if (!first?.address) return undefined;
  if (isUnknownAddress(first.address)) {
    p.add(
      `${field}.name`,
      `is required because the hosts' addresses are known only once the provider creates the machines (the cluster id cannot come from them); set cluster.name to a short DNS label such as "acme"`,
    );
    return undefined;
  }
  if (isIPv4(first.address)) return { kind: "ip", ip: first.address };
  if (isAddress(first.address)) {
    p.add(
      `${field}.name`,
      `is required because the first host is a DNS name (${first.address}), not an IPv4 address; set cluster.name to a short DNS label such as "acme"`,
    );
  }
  return undefined;
}

/**
 * The rules of a shape-checked cluster (`checkShape` with `CLUSTER_DEF` ran first), reported into `p`. Returns the
 * normalised cluster, or undefined when a problem was found.
 */
export function checkCluster(spec: Shaped<ClusterSpec>, field: string, p: Problems): Cluster | undefined {
  const hostSpecs = spec.hosts ?? [];
  if (hostSpecs.length === 0) p.add(`${field}.hosts`, "must list at least one host");
  const hosts = hostSpecs.map((h, i) => validateHost(h, i, field, p));
  const seenAddress = new Map<string, number>();
  const seenNode = new Map<string, number>();
  hosts.forEach((h, i) => {
    const at = `${h.address}:${h.port}`;
    if (h.address && !isUnknownAddress(h.address) && seenAddress.has(at)) {
      p.add(
        `${field}.hosts[${i}].address`,
        `repeats hosts[${seenAddress.get(at)}] (${at}); each host must be listed once`,
      );
    }
    seenAddress.set(at, i);
    if (h.nodeName && seenNode.has(h.nodeName)) {
      p.add(
        `${field}.hosts[${i}].nodeName`,
        `repeats the node name of hosts[${seenNode.get(h.nodeName)}]; set a distinct nodeName`,
        h.nodeName,
      );
    }
    seenNode.set(h.nodeName, i);
  });
  const k3s = validateK3s(spec.k3s ?? {}, field, p);
  const preflight = validatePreflight(spec.preflight ?? {});
  const ref = clusterRef(spec, hosts, field, p);
  if (p.hasAt(field) || ref === undefined) return undefined;
  const id = ref.kind === "ip" ? clusterIdFromIp(ref.ip) : ref.name;
  return { id, ref, hosts, k3s, preflight };
}

/** Validate `spec` (found at `field`, usually `cluster`) on its own and return the normalised cluster, or throw SpecErrors. */
export function validateCluster(spec: ClusterSpec, field: string): Cluster {
  const p = new Problems();
  const shaped = checkShape(spec, CLUSTER_DEF, field, p) as Shaped<ClusterSpec> | undefined;
  const cluster = shaped === undefined ? undefined : checkCluster(shaped, field, p);
  p.throwIfAny();
  return cluster!;
}
