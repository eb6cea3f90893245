/**
 * Host addresses that are known only once the machines exist (a cloud server's public IP). The stack is validated
 * when the program starts, before any server exists, so such a host is described with the stand-in
 * `UNKNOWN_ADDRESS`; validation then asks for a chosen `cluster.name` (the cluster id cannot come from an address
 * nobody knows yet) and an explicit node name. Every renderer keeps taking plain strings: the components resolve the
 * real addresses (Pulumi Outputs) and call `withAddresses` on the validated cluster inside an `apply`, so the host
 * scripts, the TLS SANs, the join URL and the kubeconfig server are all rendered from the same `Cluster` type.
 *
 * `kip synth` has no servers: there the addresses stay `UNKNOWN_ADDRESS`, which renders deterministically.
 */
import type { Cluster, Host } from "../model.ts";
import { isIPv4 } from "../naming.ts";

/** What an address known only after the machine is created looks like, in the spec and in `kip synth` output. */
export const UNKNOWN_ADDRESS = "<unknown until created>";

export function isUnknownAddress(address: string | undefined): boolean {
  return address === UNKNOWN_ADDRESS;
}

/** The addresses of one machine, once known. */
export interface MachineAddress {
  /** The address Skipper reaches the machine at over SSH (and the first address of its TLS SANs). */
  readonly address: string;
  /** The address k3s uses for node traffic (`node-ip`), e.g. on a private network. @default unset (k3s picks) */
  readonly nodeIp?: string;
}

export interface ClusterAddresses {
  /** One entry per host, in the order of `cluster.hosts`. */
  readonly hosts: readonly MachineAddress[];
  /** The cluster's public address when it differs from the hosts' (a load balancer): added to the servers' SANs. */
  readonly publicAddress?: string;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

function checkAddress(value: string, what: string): string {
  const a = value.trim().toLowerCase();
  if (isUnknownAddress(a) || isIPv4(a) || (DNS_NAME.test(a) && !/^[0-9.]+$/.test(a))) return a;
  throw new Error(
    `${what} is ${JSON.stringify(value)}, which is neither an IPv4 address nor a DNS name. Fix: check that the machine has a public IPv4 address`,
  );
}

function resolveHost(host: Host, got: MachineAddress, extraSans: readonly string[]): Host {
  const address = checkAddress(got.address, `the address of host ${host.index} (${host.nodeName})`);
  const nodeIp = got.nodeIp === undefined ? undefined : checkAddress(got.nodeIp, `the node IP of ${host.nodeName}`);
  // Address first (the Host contract), then the cluster's public address, then the names the user added.
  const sans = [address];
  for (const san of [...extraSans, ...host.tlsSans]) {
    if (san !== host.address && !isUnknownAddress(san) && !sans.includes(san)) sans.push(san);
  }
  const { nodeIp: _old, ...rest } = host;
  return { ...rest, address, tlsSans: sans, ...(nodeIp ? { nodeIp } : {}) };
}

/**
 * The validated `cluster` with its hosts' real addresses filled in. A host whose address was already known keeps it
 * unless `addresses` says otherwise, so a cluster of known addresses comes back equal to itself. Throws when the
 * number of addresses does not match the hosts or an address is not usable.
 */
export function withAddresses(cluster: Cluster, addresses: ClusterAddresses): Cluster {
  if (addresses.hosts.length !== cluster.hosts.length) {
    throw new Error(
      `cluster ${cluster.id}: ${addresses.hosts.length} machine address(es) for ${cluster.hosts.length} host(s)`,
    );
  }
  const lb =
    addresses.publicAddress === undefined
      ? undefined
      : checkAddress(addresses.publicAddress, "the cluster's public address");
  const hosts = cluster.hosts.map((host, i) =>
    resolveHost(host, addresses.hosts[i]!, host.role === "server" && lb !== undefined ? [lb] : []),
  );
  return { ...cluster, hosts };
}
