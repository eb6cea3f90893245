/**
 * `HetznerProvider`: a k3s cluster on new Hetzner Cloud servers (`@pulumi/hcloud`). The servers' public addresses are
 * Outputs known only once they exist, so the stack needs a chosen `cluster.name`, and every host step, the TLS SANs,
 * the kubeconfig and the gateway registration are rendered once the addresses arrive.
 *
 * What `provision` creates, under the cluster in the resource tree:
 * - an SSH key the stack generates (ED25519, kept in state as a secret) and registers with Hetzner, which Skipper
 *   connects with; `sshKeys` adds existing Hetzner keys for people;
 * - per server an SSH host key the stack generates and installs through cloud-init, pinned on every connection;
 * - a private network and subnet: each machine gets a fixed private address, k3s's node IP (flannel runs on that
 *   interface, and joining hosts reach the first server there);
 * - a firewall on the public interfaces: 22 (from `firewall.sshSources`), 80 and 443 from anywhere unless a load
 *   balancer carries the web traffic, 6443 (from `firewall.apiSources`) and ICMP; traffic on the private network
 *   (node to node, load balancer to node) is not filtered by Hetzner's firewalls;
 * - the servers, `count.servers` of them initialising and joining the control plane, then `count.agents`;
 * - optionally a load balancer on the private network that forwards 80 and 443 to every machine, with a PROXY protocol
 *   header so Traefik (which trusts it from the load balancer's private address only) sees each client's own address:
 *   its address is the cluster's public address (gateway registration, API certificate). The API (6443) is not
 *   forwarded by it, so the firewall's `apiSources` still decides who reaches the API;
 * - in the cluster: the Hetzner CSI driver (its StorageClass is `storageClass`) and the Secret with the API token.
 *
 * The API token is the config secret `hcloud:token` (`pulumi config set --secret hcloud:token`), read by the hcloud
 * plugin itself; the CSI driver gets a copy. Destroying the stack deletes the servers, network, firewall and load
 * balancer; service volumes are Hetzner volumes made by the CSI driver and stay unless a service set
 * `deleteDataOnDestroy`, whose volumes the release-data step deletes first (see `hetzner-csi.ts`).
 */
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { SpecError, SpecErrors } from "../core/errors.ts";
import { UNKNOWN_ADDRESS } from "../core/k3s/addresses.ts";
import type { Cluster, Host } from "../core/model.ts";
import type { HostSpec } from "../core/spec.ts";
import { isAddressOrCidr } from "../core/validate/domain.ts";
import { createdAddress } from "./created-address.ts";
import { cloudInitUserData } from "./hetzner-cloud-init.ts";
import { csiHelmChart, csiTokenSecret } from "./hetzner-csi.ts";
import type { InfraProvider, Machine, Provisioned, SshConnection } from "./infra-provider.ts";
import { MissingSecretError, secretPlaceholder, secretPlaceholdersEnabled } from "./secret-config.ts";

/** The config key of the API token, as the hcloud plugin reads it. */
export const HCLOUD_TOKEN_CONFIG = "hcloud:token";

/** Network zones of Hetzner's locations (a private network lives in one zone). */
const NETWORK_ZONES: Readonly<Record<string, string>> = {
  fsn1: "eu-central",
  nbg1: "eu-central",
  hel1: "eu-central",
  ash: "us-east",
  hil: "us-west",
  sin: "ap-southeast",
};

/** Anyone, IPv4 and IPv6. */
const ANYWHERE = ["0.0.0.0/0", "::/0"] as const;

export interface HetznerCount {
  /** Control-plane servers: 1, or an odd number for embedded etcd's quorum. @default 1 */
  readonly servers?: number;
  /** Workers. @default 0 */
  readonly agents?: number;
}

export interface HetznerNetworkArgs {
  /** The private network's range. @default "10.0.0.0/16" */
  readonly ipRange?: string;
  /** The subnet the machines and the load balancer get addresses in (a /24 inside `ipRange`). @default "10.0.1.0/24" */
  readonly subnet?: string;
  /** Network zone. @default the location's (`eu-central` for fsn1, nbg1, hel1) */
  readonly zone?: string;
}

export interface HetznerFirewallArgs {
  /** Who may reach SSH (22): addresses or CIDRs. Skipper itself needs it while provisioning. @default anywhere */
  readonly sshSources?: readonly string[];
  /** Who may reach the Kubernetes API (6443): the machines running `pulumi up` and `kip`. @default anywhere */
  readonly apiSources?: readonly string[];
}

export interface HetznerLoadBalancerArgs {
  /** Hetzner load balancer type. @default "lb11" */
  readonly type?: string;
}

export interface HetznerArgs {
  /** Hetzner location: `fsn1`, `nbg1`, `hel1`, `ash`, `hil` or `sin`. */
  readonly location: string;
  /** Server type, e.g. `cx22`, `cpx21`, `cax11` (arm64). At least 2 GB of memory for k3s. */
  readonly serverType: string;
  /** Image: a Debian 11–13 or Ubuntu 20.04+ image name such as `ubuntu-24.04` or `debian-12`, or a snapshot id. */
  readonly image: string;
  /** How many machines. @default { servers: 1, agents: 0 } */
  readonly count?: HetznerCount;
  /** Names or ids of SSH keys already in the Hetzner project, added to the servers for people. @default [] */
  readonly sshKeys?: readonly string[];
  readonly network?: HetznerNetworkArgs;
  readonly firewall?: HetznerFirewallArgs;
  /** A load balancer in front of the machines (`true` for the defaults). @default none */
  readonly loadBalancer?: boolean | HetznerLoadBalancerArgs;
  /** The StorageClass the CSI driver creates for service volumes. @default "hcloud-volumes" */
  readonly storageClass?: string;
  /** Version of the `hcloud-csi` Helm chart. @default CSI_CHART_VERSION */
  readonly csiChartVersion?: string;
  /** SSH dial attempts per step: a new server takes a while to boot. @default 30 */
  readonly dialErrorLimit?: number;
  /** Seconds one SSH dial may take. @default 10 */
  readonly perDialTimeout?: number;
}

/** The settings after validation, defaults filled in. */
interface Settings {
  readonly location: string;
  readonly serverType: string;
  readonly image: string;
  readonly servers: number;
  readonly agents: number;
  readonly sshKeys: readonly string[];
  readonly ipRange: string;
  readonly subnet: string;
  readonly zone: string;
  readonly sshSources: readonly string[];
  readonly apiSources: readonly string[];
  readonly loadBalancerType?: string;
  readonly storageClass: string;
  readonly csiChartVersion?: string;
  readonly dialErrorLimit: number;
  readonly perDialTimeout: number;
}

const FIELD = "cluster.provider";
const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** `a.b.c.d/len` as numbers, or undefined. */
function parseCidr4(value: string): { base: number; bits: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (base % size !== 0) return undefined;
  return { base, bits };
}

function ipv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** A source list for a firewall rule: CIDRs, a plain address made a /32 (/128 for IPv6). */
function sources(value: readonly string[] | undefined, field: string, errors: SpecError[]): readonly string[] {
  if (value === undefined) return ANYWHERE;
  if (!Array.isArray(value) || value.length === 0) {
    errors.push(new SpecError(field, "must list at least one address or CIDR (leave it out to allow anywhere)"));
    return [];
  }
  return value.map((v, i) => {
    if (typeof v !== "string" || !isAddressOrCidr(v)) {
      errors.push(new SpecError(`${field}[${i}]`, "must be an IP address or a CIDR range such as 198.51.100.0/24", v));
      return "";
    }
    return v.includes("/") ? v : `${v}/${v.includes(":") ? 128 : 32}`;
  });
}

function settings(args: HetznerArgs): Settings {
  const errors: SpecError[] = [];
  const text = (value: unknown, field: string, rule: string, ok: (v: string) => boolean): string => {
    if (typeof value !== "string" || !ok(value)) errors.push(new SpecError(`${FIELD}.${field}`, rule, value));
    return typeof value === "string" ? value : "";
  };
  const location = text(args?.location, "location", "must be a Hetzner location such as fsn1, nbg1 or hel1", (v) =>
    NAME.test(v),
  );
  const serverType = text(args?.serverType, "serverType", "must be a Hetzner server type such as cx22 or cpx21", (v) =>
    NAME.test(v),
  );
  const image = text(
    args?.image,
    "image",
    "must be a Debian or Ubuntu image such as ubuntu-24.04 or debian-12 (Skipper's preflight accepts Debian 11-13 and Ubuntu 20.04+), or a snapshot id",
    (v) => /^(ubuntu|debian)-[0-9.]+$/.test(v) || /^[0-9]+$/.test(v),
  );
  const count = (value: unknown, fallback: number, field: string, min: number): number => {
    const n = value ?? fallback;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > 50) {
      errors.push(new SpecError(`${FIELD}.count.${field}`, `must be a whole number from ${min} to 50`, value));
      return fallback;
    }
    return n;
  };
  const servers = count(args?.count?.servers, 1, "servers", 1);
  const agents = count(args?.count?.agents, 0, "agents", 0);
  if (servers % 2 === 0) {
    errors.push(
      new SpecError(
        `${FIELD}.count.servers`,
        "must be odd (1, 3, 5…): embedded etcd needs a majority of the servers, so an even count tolerates no more failures than one fewer",
        servers,
      ),
    );
  }
  const sshKeys = args?.sshKeys ?? [];
  sshKeys.forEach((k, i) => {
    if (typeof k !== "string" || k.trim() === "") {
      errors.push(
        new SpecError(`${FIELD}.sshKeys[${i}]`, "must be the name or id of an SSH key in the Hetzner project", k),
      );
    }
  });
  const ipRange = args?.network?.ipRange ?? "10.0.0.0/16";
  const subnet = args?.network?.subnet ?? "10.0.1.0/24";
  const range = parseCidr4(ipRange);
  const sub = parseCidr4(subnet);
  if (!range || range.bits > 24) {
    errors.push(
      new SpecError(
        `${FIELD}.network.ipRange`,
        "must be a private IPv4 CIDR of /24 or larger, such as 10.0.0.0/16",
        ipRange,
      ),
    );
  }
  if (sub?.bits !== 24) {
    errors.push(new SpecError(`${FIELD}.network.subnet`, "must be an IPv4 /24 such as 10.0.1.0/24", subnet));
  } else if (range && (sub.base < range.base || sub.base >= range.base + 2 ** (32 - range.bits))) {
    errors.push(new SpecError(`${FIELD}.network.subnet`, `must lie inside network.ipRange (${ipRange})`, subnet));
  }
  const zone = args?.network?.zone ?? NETWORK_ZONES[location];
  if (!zone) {
    errors.push(
      new SpecError(
        `${FIELD}.network.zone`,
        `is needed for location '${location}': set the network zone, e.g. eu-central`,
      ),
    );
  }
  const sshSources = sources(args?.firewall?.sshSources, `${FIELD}.firewall.sshSources`, errors);
  const apiSources = sources(args?.firewall?.apiSources, `${FIELD}.firewall.apiSources`, errors);
  const lb = args?.loadBalancer;
  const loadBalancerType = lb === true ? "lb11" : lb ? (lb.type ?? "lb11") : undefined;
  if (loadBalancerType !== undefined && !NAME.test(loadBalancerType)) {
    errors.push(
      new SpecError(
        `${FIELD}.loadBalancer.type`,
        "must be a Hetzner load balancer type such as lb11",
        loadBalancerType,
      ),
    );
  }
  const storageClass = args?.storageClass ?? "hcloud-volumes";
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(storageClass)) {
    errors.push(
      new SpecError(`${FIELD}.storageClass`, "must be a DNS-1123 subdomain such as hcloud-volumes", storageClass),
    );
  }
  if (servers + agents > 200) errors.push(new SpecError(`${FIELD}.count`, "allows at most 200 machines in one subnet"));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new SpecErrors(errors);
  return {
    location,
    serverType,
    image,
    servers,
    agents,
    sshKeys: sshKeys.map((k) => k.trim()),
    ipRange,
    subnet,
    zone: zone as string,
    sshSources,
    apiSources,
    ...(loadBalancerType ? { loadBalancerType } : {}),
    storageClass,
    ...(args.csiChartVersion ? { csiChartVersion: args.csiChartVersion } : {}),
    dialErrorLimit: args.dialErrorLimit ?? 30,
    perDialTimeout: args.perDialTimeout ?? 10,
  };
}

/**
 * The firewall's inbound rules on the servers' public interfaces (everything else inbound is dropped; outbound is
 * open). With a load balancer, web traffic reaches the servers only through it, over the private network (which
 * Hetzner's firewalls do not filter), so 80 and 443 stay closed on the public addresses.
 */
export function firewallRules(
  s: Pick<Settings, "sshSources" | "apiSources" | "loadBalancerType">,
): hcloud.types.input.FirewallRule[] {
  const tcp = (port: string, from: readonly string[], description: string): hcloud.types.input.FirewallRule => ({
    direction: "in",
    protocol: "tcp",
    port,
    sourceIps: [...from],
    description,
  });
  return [
    tcp("22", s.sshSources, "SSH (Skipper provisioning)"),
    ...(s.loadBalancerType === undefined
      ? [tcp("80", ANYWHERE, "HTTP (Traefik)"), tcp("443", ANYWHERE, "HTTPS (Traefik)")]
      : []),
    tcp("6443", s.apiSources, "Kubernetes API"),
    { direction: "in", protocol: "icmp", sourceIps: [...ANYWHERE], description: "ping" },
  ];
}

/** The API token for the CSI driver's Secret: config `hcloud:token`, else `HCLOUD_TOKEN` as the plugin accepts. */
function apiToken(): pulumi.Output<string> {
  const fromConfig = new pulumi.Config("hcloud").getSecret("token");
  if (fromConfig !== undefined) return fromConfig;
  const fromEnv = process.env["HCLOUD_TOKEN"];
  if (fromEnv) return pulumi.secret(fromEnv);
  if (secretPlaceholdersEnabled()) return pulumi.secret(secretPlaceholder(HCLOUD_TOKEN_CONFIG));
  throw new MissingSecretError(
    HCLOUD_TOKEN_CONFIG,
    "the Hetzner Cloud API token (project > Security > API tokens, read & write)",
    `pulumi config set --secret ${HCLOUD_TOKEN_CONFIG} <token>`,
  );
}

export class HetznerProvider implements InfraProvider {
  readonly name = "hetzner";
  readonly hosts: readonly HostSpec[];
  readonly storageClass: string;
  private readonly s: Settings;

  constructor(args: HetznerArgs) {
    this.s = settings(args);
    this.storageClass = this.s.storageClass;
    const host = (role: "server" | "agent", n: number): HostSpec => ({
      address: UNKNOWN_ADDRESS,
      role,
      nodeName: `${role}-${n}`,
    });
    this.hosts = [
      ...Array.from({ length: this.s.servers }, (_, i) => host("server", i + 1)),
      ...Array.from({ length: this.s.agents }, (_, i) => host("agent", i + 1)),
    ];
  }

  /** The load balancer's fixed private address (the subnet's .5): what Traefik sees its connections come from. */
  loadBalancerAddress(): string {
    return ipv4((parseCidr4(this.s.subnet)?.base ?? 0) + 5);
  }

  /** The fixed private address of host `index` (the subnet's .10 onwards; .5 is the load balancer's). */
  privateAddress(index: number): string {
    return ipv4((parseCidr4(this.s.subnet)?.base ?? 0) + 10 + index);
  }

  provision(cluster: Cluster, parent: pulumi.Resource): Provisioned {
    const s = this.s;
    const token = apiToken();
    const prefix = `hcloud-${cluster.id}`;
    const label = { "skipper.run/cluster": cluster.id };
    const opts = { parent };
    // Hetzner names are unique in a project: a replacement must free the name before it takes it again.
    const named = { parent, deleteBeforeReplace: true };
    const number = (id: pulumi.Output<string>) => id.apply((v) => Number(v));

    const sshKey = new tls.PrivateKey(`${prefix}-ssh`, { algorithm: "ED25519" }, opts);
    const hetznerKey = new hcloud.SshKey(
      `${prefix}-ssh`,
      { name: `skipper-${cluster.id}`, publicKey: sshKey.publicKeyOpenssh, labels: label },
      named,
    );
    const network = new hcloud.Network(
      `${prefix}-network`,
      { name: `skipper-${cluster.id}`, ipRange: s.ipRange, labels: label },
      named,
    );
    const subnet = new hcloud.NetworkSubnet(
      `${prefix}-subnet`,
      { networkId: number(network.id), type: "cloud", networkZone: s.zone, ipRange: s.subnet },
      opts,
    );
    const firewall = new hcloud.Firewall(
      `${prefix}-firewall`,
      { name: `skipper-${cluster.id}`, rules: firewallRules(s), labels: label },
      named,
    );

    const servers: hcloud.Server[] = [];
    const machines = cluster.hosts.map((host): Machine => {
      const hostKey = new tls.PrivateKey(`${prefix}-${host.nodeName}-host-key`, { algorithm: "ED25519" }, opts);
      const userData = pulumi
        .all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh])
        .apply(([privateKey, publicKey]) =>
          cloudInitUserData({ privateKey: privateKey ?? "", publicKey: publicKey ?? "" }),
        );
      const server = new hcloud.Server(
        `${prefix}-${host.nodeName}`,
        {
          name: `${cluster.id}-${host.nodeName}`,
          serverType: s.serverType,
          image: s.image,
          location: s.location,
          sshKeys: [hetznerKey.id, ...s.sshKeys],
          userData: pulumi.secret(userData),
          networks: [{ subnetId: subnet.id, ip: this.privateAddress(host.index), aliasIps: [] }],
          firewallIds: [number(firewall.id)],
          publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
          labels: { ...label, "skipper.run/role": host.role },
        },
        {
          ...named,
          // Hetzner can only set SSH keys when it creates a server: a key added later must not replace (and so wipe)
          // a running node. It reaches new servers; add it to running ones by hand.
          ignoreChanges: ["sshKeys"],
        },
      );
      servers.push(server);
      const address = createdAddress(server.ipv4Address, `Hetzner server ${cluster.id}-${host.nodeName}`);
      return {
        host,
        connection: this.connection(host, address, sshKey, hostKey),
        dependsOn: [server],
        address,
        nodeIp: this.privateAddress(host.index),
      };
    });

    const loadBalancer = s.loadBalancerType
      ? this.loadBalancer(cluster, prefix, s.loadBalancerType, subnet, network, servers, parent)
      : undefined;
    return {
      machines,
      ...(loadBalancer
        ? { loadBalancer: { address: loadBalancer, proxyProtocolFrom: [this.loadBalancerAddress()] } }
        : {}),
      addons: [
        csiHelmChart({
          clusterId: cluster.id,
          storageClass: s.storageClass,
          location: s.location,
          ...(s.csiChartVersion ? { chartVersion: s.csiChartVersion } : {}),
        }),
      ],
      objects: [csiTokenSecret(token)],
    };
  }

  private connection(
    host: Host,
    address: pulumi.Output<string>,
    sshKey: tls.PrivateKey,
    hostKey: tls.PrivateKey,
  ): pulumi.Output<SshConnection> {
    return pulumi.secret(
      pulumi.all([address, sshKey.privateKeyOpenssh, hostKey.publicKeyOpenssh]).apply(([host_, privateKey, pin]) => ({
        host: host_,
        port: host.port,
        user: host.user,
        privateKey,
        // The key cloud-init installed: any other key is refused before a command runs.
        hostKey: (pin ?? "").trim(),
        dialErrorLimit: this.s.dialErrorLimit,
        perDialTimeout: this.s.perDialTimeout,
      })),
    );
  }

  /** The load balancer, its network attachment, a target per machine (private IPs) and TCP 80/443; its address. */
  private loadBalancer(
    cluster: Cluster,
    prefix: string,
    type: string,
    subnet: hcloud.NetworkSubnet,
    network: hcloud.Network,
    servers: readonly hcloud.Server[],
    parent: pulumi.Resource,
  ): pulumi.Output<string> {
    const opts = { parent };
    const lb = new hcloud.LoadBalancer(
      `${prefix}-lb`,
      {
        name: `skipper-${cluster.id}`,
        loadBalancerType: type,
        location: this.s.location,
        labels: { "skipper.run/cluster": cluster.id },
      },
      { parent, deleteBeforeReplace: true },
    );
    const lbId = lb.id.apply((v) => Number(v));
    const attached = new hcloud.LoadBalancerNetwork(
      `${prefix}-lb-network`,
      { loadBalancerId: lbId, subnetId: subnet.id, ip: this.loadBalancerAddress() },
      { parent, dependsOn: [subnet, network] },
    );
    cluster.hosts.forEach((host, i) => {
      new hcloud.LoadBalancerTarget(
        `${prefix}-lb-${host.nodeName}`,
        { loadBalancerId: lbId, type: "server", serverId: servers[i]!.id.apply((v) => Number(v)), usePrivateIp: true },
        { parent, dependsOn: [attached] },
      );
    });
    for (const port of [80, 443]) {
      // TCP: TLS ends at Traefik (Let's Encrypt certificates live in the cluster). Each connection starts with a PROXY
      // protocol header naming the client, which Traefik believes from the load balancer's private address only.
      new hcloud.LoadBalancerService(
        `${prefix}-lb-${port}`,
        { loadBalancerId: lb.id, protocol: "tcp", listenPort: port, destinationPort: port, proxyprotocol: true },
        opts,
      );
    }
    return createdAddress(
      lb.ipv4,
      `Hetzner load balancer skipper-${cluster.id}`,
      "so the gateway and the API certificate cannot use it",
    );
  }
}

/**
 * New Hetzner Cloud servers: `cluster: { name: "acme", provider: hetzner({ location: "fsn1", serverType: "cx22",
 * image: "ubuntu-24.04" }) }`. Needs the config secret `hcloud:token`.
 */
export function hetzner(args: HetznerArgs): HetznerProvider {
  return new HetznerProvider(args);
}
