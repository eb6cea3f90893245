/**
 * Where the machines of a cluster come from. An `InfraProvider` hands `K3sCluster` a set of hosts it can reach over
 * SSH; everything above it (k3s, apps, services) is the same whichever provider made the hosts. `BareMetalProvider`
 * (hosts that already exist) and `HetznerProvider` (cloud servers whose addresses are Outputs) implement it; what a
 * provider must do is written down in `providers/README.md`.
 */

import type { types } from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import type { K8sObject } from "../core/k8s.ts";
import type { Cluster, Host } from "../core/model.ts";
import type { HostSpec } from "../core/spec.ts";

/** SSH connection settings in the shape `remote.Command` takes. */
export type SshConnection = types.input.remote.ConnectionArgs;

/** A machine ready for the host steps: the normalised host and how to reach it. */
export interface Machine {
  /** The host as validated; its address is `UNKNOWN_ADDRESS` when the machine's address is known only once it exists. */
  readonly host: Host;
  readonly connection: pulumi.Input<SshConnection>;
  /** Resources the first host step must wait for (e.g. a cloud server being created). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
  /**
   * The machine's address once it exists (a server's public IP, an Output): the host steps, the TLS SANs, the join
   * URL, the kubeconfig and the gateway registration are rendered with it. @default host.address
   */
  readonly address?: pulumi.Input<string>;
  /** The address k3s uses for node traffic (`node-ip`), e.g. on a private network. @default unset (k3s picks) */
  readonly nodeIp?: pulumi.Input<string>;
}

/** A load balancer in front of the cluster's machines, when the provider made one. */
export interface LoadBalancer {
  /**
   * The address clients (and the gateway) use instead of a host's own: the gateway registration sends it and the
   * servers' API certificate covers it.
   */
  readonly address: pulumi.Input<string>;
  /**
   * The load balancer's own addresses as Traefik sees them (e.g. its fixed private address), when it puts a PROXY
   * protocol header in front of each connection: Traefik then reads the client's address from the header, from these
   * peers only. Plain values known up front (they go into the add-on manifests). @default [] (plain TCP: Traefik sees
   * the load balancer as the client)
   */
  readonly proxyProtocolFrom?: readonly string[];
}

/** What `provision` made. */
export interface Provisioned {
  readonly machines: readonly Machine[];
  /** @default undefined (apps are reached on the first server's address) */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Objects k3s deploys itself from the servers' manifests folder, with the stack's add-ons (a storage driver's
   * HelmChart). Plain data, written to disk as it is: never a secret. @default []
   */
  readonly addons?: readonly K8sObject[];
  /**
   * Objects created through the cluster's Kubernetes provider once k3s is up (a Secret holding the provider's API
   * token; values may be secret Outputs). @default []
   */
  readonly objects?: readonly K8sObject[];
}

export interface InfraProvider {
  /** Short name of the provider, shown in outputs and errors, e.g. `bare-metal`. */
  readonly name: string;
  /**
   * The hosts as the stack describes them, validated with the rest of the stack (`validateStack`). A host whose
   * address is known only once its machine exists has `address: UNKNOWN_ADDRESS` and a `nodeName`; the stack then
   * needs a chosen `cluster.name`.
   */
  readonly hosts: readonly HostSpec[];
  /** The StorageClass that backs service volumes (k3s ships `local-path`). */
  readonly storageClass: string;
  /**
   * Make the machines exist (a no-op for existing hosts) and say how to reach each one, in the order of
   * `cluster.hosts`. Called once by `K3sCluster` with itself as `parent`, so anything the provider creates sits under
   * the cluster in the resource tree. A provider that only hands over machines may return them as a plain list.
   */
  provision(cluster: Cluster, parent: pulumi.Resource): readonly Machine[] | Provisioned;
}

/** The result of `provision` in its full form. */
export function provisioned(result: readonly Machine[] | Provisioned): Provisioned {
  return isMachineList(result) ? { machines: result } : result;
}

function isMachineList(result: readonly Machine[] | Provisioned): result is readonly Machine[] {
  return Array.isArray(result);
}
