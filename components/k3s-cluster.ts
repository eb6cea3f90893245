/**
 * `K3sCluster`: k3s on the machines an `InfraProvider` gives, and a Kubernetes provider for everything that goes
 * into the cluster. The first server initialises the cluster; further servers and agents join it with a generated
 * token. The kubeconfig is read by its own step (secret, never logged), rewritten to point at the first host, and
 * feeds a `k8s.Provider` with a stable `clusterIdentifier`, so an unknown kubeconfig at the first preview does not
 * plan to replace every object. Add-on manifests (Traefik `HelmChartConfig`, cert-manager, issuers) are written into
 * k3s's auto-deploy directory on the servers by a host step instead of being applied through the provider.
 *
 * Machines whose addresses exist only once the provider created them (a cloud server's IP, a Pulumi Output) are
 * planned twice: once from the validated cluster for the steps' names and options, and again inside an `apply` from
 * `withAddresses(cluster, …)` for their scripts and triggers, so each host's steps wait for its own server (and the
 * first one's); the kubeconfig's server and the public address (a load balancer's, else the first server's) likewise.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { addonCrds } from "../core/k3s/addon-crds.ts";
import { type ClusterAddresses, isUnknownAddress, withAddresses } from "../core/k3s/addresses.ts";
import { kubeconfigName, kubeconfigServer, rewriteKubeconfig } from "../core/k3s/kubeconfig.ts";
import { planHostSteps } from "../core/k3s/steps.ts";
import type { K8sObject } from "../core/k8s.ts";
import type { Cluster } from "../core/model.ts";
import { isAddressOrCidr } from "../core/validate/domain.ts";
import { toYaml } from "../core/yaml.ts";
import { type InfraProvider, type LoadBalancer, type Machine, provisioned } from "../providers/infra-provider.ts";
import { K3sHost } from "./k3s-host.ts";
import { createK8sObjects } from "./k8s-object.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

/** The name of the step that installs k3s: deleting it takes the cluster down. */
export const INSTALL_STEP = "install";

export interface K3sClusterArgs {
  /** The validated cluster (`validateCluster` / `validateStack`). */
  readonly cluster: Cluster;
  /** Where the machines come from. */
  readonly infra: InfraProvider;
  /**
   * Objects k3s deploys itself from its manifests directory on the servers. A function is called with the provider's
   * load balancer (or undefined), for add-ons that depend on it: Traefik must know a load balancer that speaks the
   * PROXY protocol. @default []
   */
  readonly addons?: readonly K8sObject[] | ((loadBalancer: LoadBalancer | undefined) => readonly K8sObject[]);
}

/**
 * Objects as one multi-document YAML file, in the order given. Written with the YAML 1.1-safe writer: k3s's deploy
 * controller reads YAML 1.1, where an unquoted `yes` (redis's `--appendonly yes`) would turn into a boolean.
 */
export function manifestsYaml(objects: readonly K8sObject[]): string | undefined {
  if (objects.length === 0) return undefined;
  return objects.map((o) => toYaml(o)).join("---\n");
}

/**
 * The machines' addresses as one Output (known at once for existing hosts, once the servers exist for a cloud).
 * Its dependencies are the resources that produce the addresses, so whatever is rendered from it waits for them.
 * With `only`, the other machines keep their validated address and are not waited for.
 */
export function machineAddresses(
  machines: readonly Machine[],
  publicAddress?: pulumi.Input<string>,
  only?: ReadonlySet<number>,
): pulumi.Output<ClusterAddresses> {
  const hosts = machines.map((m, i) =>
    pulumi
      .all([only && !only.has(i) ? m.host.address : (m.address ?? m.host.address), m.nodeIp])
      .apply(([address, nodeIp]) => ({ address, ...(nodeIp === undefined ? {} : { nodeIp }) })),
  );
  return pulumi.all([pulumi.all(hosts), publicAddress]).apply(([list, lb]) => ({
    hosts: list,
    ...(lb === undefined ? {} : { publicAddress: lb }),
  }));
}

export class K3sCluster extends pulumi.ComponentResource implements ClusterTarget {
  /** The cluster id (`203-0-113-10` or the chosen name). */
  readonly clusterId: string;
  /** The cluster with the machines' real addresses (the validated cluster itself when they were known up front). */
  readonly resolved: pulumi.Output<Cluster>;
  /** The address the world reaches the cluster's apps at: the load balancer's, else the first server's. */
  readonly publicAddress: pulumi.Output<string>;
  /** Whether the provider put a load balancer in front of the servers (its address is then `publicAddress`). */
  readonly loadBalanced: boolean;
  /** The host components, in the order of `cluster.hosts`. */
  readonly hosts: readonly K3sHost[];
  /** The first server's k3s install: in-cluster objects are `deletedWith` it. */
  readonly installStep: pulumi.Resource;
  /** Kubeconfig for the first server, names `skipper-<cluster id>` (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** Provider for the cluster's Kubernetes API. */
  readonly provider: k8s.Provider;

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("skipper:cluster:K3sCluster", name, {}, opts);
    const { cluster } = args;
    this.clusterId = cluster.id;

    // First, so that missing provider config (the SSH key) stops the program before any child exists.
    const made = provisioned(args.infra.provision(cluster, this));
    const machines = made.machines;
    if (machines.length !== cluster.hosts.length) {
      throw new Error(
        `cluster ${cluster.id}: provider ${args.infra.name} made ${machines.length} machine(s) for ${cluster.hosts.length} host(s)`,
      );
    }
    const resolved = machineAddresses(machines, made.loadBalancer?.address).apply((a) => withAddresses(cluster, a));
    this.resolved = resolved;
    // Generated once and kept in state; letters and digits only so it needs no quoting anywhere.
    const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this });
    for (const peer of made.loadBalancer?.proxyProtocolFrom ?? []) {
      if (!isAddressOrCidr(peer)) {
        throw new Error(
          `cluster ${cluster.id}: provider ${args.infra.name} gave loadBalancer.proxyProtocolFrom ${JSON.stringify(peer)}, which is not an IP address or CIDR`,
        );
      }
    }
    const own = typeof args.addons === "function" ? args.addons(made.loadBalancer) : (args.addons ?? []);
    const addons = [...own, ...(made.addons ?? [])];
    const manifests = manifestsYaml(addons);
    // The first server also waits until the add-ons' CRDs exist, before the kubeconfig every object needs is read.
    const waitForCrds = addonCrds(cluster, addons);
    const hosts: K3sHost[] = [];
    const plan = { ...(manifests === undefined ? {} : { manifests }), waitForCrds };
    for (const [i, machine] of machines.entries()) {
      // Planned up front for the step names and options; rendered again once the addresses are known.
      const steps = planHostSteps(cluster, machine.host, plan);
      // A host's scripts name only itself and the first server (the join URL), and servers the public address.
      const lb = machine.host.role === "server" ? made.loadBalancer?.address : undefined;
      const live = machineAddresses(machines, lb, new Set([0, i]))
        .apply((a) => withAddresses(cluster, a))
        .apply((c) => ({ host: c.hosts[i]!, steps: planHostSteps(c, c.hosts[i]!, plan) }));
      // Joining hosts wait until the first server is fully up (installed, Ready, kubeconfig read).
      const after = [...(machine.dependsOn ?? []), ...(hosts[0] ? [hosts[0].last] : [])];
      hosts.push(
        new K3sHost(
          `${name}-${machine.host.nodeName}`,
          {
            host: machine.host,
            connection: machine.connection,
            steps,
            resolved: live.apply((l) => l.steps),
            resolvedHost: live.apply((l) => l.host),
            token: token.result,
            after,
          },
          { parent: this },
        ),
      );
    }
    const first = hosts[0];
    const firstHost = cluster.hosts[0];
    if (!first || !firstHost) throw new Error(`cluster ${cluster.id}: no hosts`);
    this.hosts = hosts;

    const install = first.commands.get(INSTALL_STEP);
    if (!install) throw new Error(`cluster ${cluster.id}: the first host has no '${INSTALL_STEP}' step`);
    this.installStep = install;

    const read = first.secretReader;
    if (!read) throw new Error(`cluster ${cluster.id}: the first host has no step that reads the kubeconfig`);
    const kubeName = kubeconfigName(cluster);
    // The kubeconfig and the public address need only the first server's address (and the load balancer's).
    const firstResolved = machineAddresses(machines, undefined, new Set([0])).apply((a) => withAddresses(cluster, a));
    this.loadBalanced = made.loadBalancer !== undefined;
    this.publicAddress = pulumi
      .all([firstResolved, made.loadBalancer?.address])
      .apply(([c, lb]) => lb ?? c.hosts[0]?.address ?? firstHost.address);
    this.kubeconfig = pulumi.secret(
      pulumi.all([read.stdout, firstResolved]).apply(([raw, c]) => {
        const address = c.hosts[0]!.address;
        // Only `kip synth` evaluates this without servers; it shows the kubeconfig as a secret anyway.
        if (isUnknownAddress(address)) return raw ?? "";
        return rewriteKubeconfig(raw ?? "", { server: kubeconfigServer(address), name: kubeName });
      }),
    );

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: this.kubeconfig,
        // Only a change of this id replaces the provider (and so every object in the cluster).
        clusterIdentifier: kubeName,
        enableServerSideApply: true,
      },
      { parent: this },
    );

    // What the provider needs inside the cluster (its API token for a storage driver), once k3s is up.
    createK8sObjects(made.objects ?? [], () => inClusterOptions(this, this, undefined));

    this.registerOutputs({ clusterId: this.clusterId, kubeconfig: this.kubeconfig });
  }
}
