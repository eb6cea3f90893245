/**
 * `K3sCluster`: k3s on the machines an `InfraProvider` gives, and a Kubernetes provider for everything that goes
 * into the cluster. The first server initialises the cluster; further servers and agents join it with a generated
 * token. The kubeconfig is read by its own step (secret, never logged), rewritten to point at the first host, and
 * feeds a `k8s.Provider` with a stable `clusterIdentifier`, so an unknown kubeconfig at the first preview does not
 * plan to replace every object. Add-on manifests (Traefik `HelmChartConfig`, cert-manager, issuers) are written into
 * k3s's auto-deploy directory on the servers by a host step instead of being applied through the provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { addonCrds } from "../core/k3s/addon-crds.ts";
import { kubeconfigName, kubeconfigServer, rewriteKubeconfig } from "../core/k3s/kubeconfig.ts";
import { planHostSteps } from "../core/k3s/steps.ts";
import type { K8sObject } from "../core/k8s.ts";
import type { Cluster } from "../core/model.ts";
import { toYaml } from "../core/yaml.ts";
import type { InfraProvider } from "../providers/infra-provider.ts";
import { K3sHost } from "./k3s-host.ts";
import type { ClusterTarget } from "./options.ts";

/** The name of the step that installs k3s: deleting it takes the cluster down. */
export const INSTALL_STEP = "install";

export interface K3sClusterArgs {
  /** The validated cluster (`validateCluster` / `validateStack`). */
  readonly cluster: Cluster;
  /** Where the machines come from. */
  readonly infra: InfraProvider;
  /** Objects k3s deploys itself from its manifests directory on the servers. @default [] */
  readonly addons?: readonly K8sObject[];
}

/**
 * Objects as one multi-document YAML file, in the order given. Written with the YAML 1.1-safe writer: k3s's deploy
 * controller reads YAML 1.1, where an unquoted `yes` (redis's `--appendonly yes`) would turn into a boolean.
 */
export function manifestsYaml(objects: readonly K8sObject[]): string | undefined {
  if (objects.length === 0) return undefined;
  return objects.map((o) => toYaml(o)).join("---\n");
}

export class K3sCluster extends pulumi.ComponentResource implements ClusterTarget {
  /** The cluster id (`203-0-113-10` or the chosen name). */
  readonly clusterId: string;
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
    const machines = args.infra.provision(cluster, this);
    // Generated once and kept in state; letters and digits only so it needs no quoting anywhere.
    const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this });
    const manifests = manifestsYaml(args.addons ?? []);
    // The first server also waits until the add-ons' CRDs exist, before the kubeconfig every object needs is read.
    const waitForCrds = addonCrds(cluster, args.addons ?? []);
    const hosts: K3sHost[] = [];
    for (const machine of machines) {
      const steps = planHostSteps(cluster, machine.host, {
        ...(manifests === undefined ? {} : { manifests }),
        waitForCrds,
      });
      // Joining hosts wait until the first server is fully up (installed, Ready, kubeconfig read).
      const after = [...(machine.dependsOn ?? []), ...(hosts[0] ? [hosts[0].last] : [])];
      hosts.push(
        new K3sHost(
          `${name}-${machine.host.nodeName}`,
          { host: machine.host, connection: machine.connection, steps, token: token.result, after },
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
    const server = kubeconfigServer(firstHost.address);
    this.kubeconfig = pulumi.secret(
      read.stdout.apply((raw) => rewriteKubeconfig(raw ?? "", { server, name: kubeName })),
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

    this.registerOutputs({ clusterId: this.clusterId, kubeconfig: this.kubeconfig });
  }
}
