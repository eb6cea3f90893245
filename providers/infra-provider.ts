/**
 * Where the machines of a cluster come from. An `InfraProvider` hands `K3sCluster` a set of hosts it can reach over
 * SSH; everything above it (k3s, apps, services) is the same whichever provider made the hosts. `BareMetalProvider`
 * (hosts that already exist) is the first implementation; a cloud provider would create servers in `provision` and
 * return their connections, with no change to the components.
 */

import type { types } from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import type { Cluster, Host } from "../core/model.ts";
import type { HostSpec } from "../core/spec.ts";

/** SSH connection settings in the shape `remote.Command` takes. */
export type SshConnection = types.input.remote.ConnectionArgs;

/** A machine ready for the host steps: the normalised host and how to reach it. */
export interface Machine {
  readonly host: Host;
  readonly connection: pulumi.Input<SshConnection>;
  /** Resources the first host step must wait for (e.g. a cloud server being created). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** A load balancer in front of the cluster's servers, when the provider offers one. */
export interface LoadBalancer {
  /** The address clients (and the gateway) should use instead of a host's own. */
  readonly address: pulumi.Input<string>;
}

export interface InfraProvider {
  /** Short name of the provider, shown in outputs and errors, e.g. `bare-metal`. */
  readonly name: string;
  /**
   * The hosts as the stack describes them. They are validated with the rest of the stack (`validateStack`), so their
   * addresses must be known when the program starts.
   */
  readonly hosts: readonly HostSpec[];
  /** The StorageClass that backs service volumes (k3s ships `local-path`). */
  readonly storageClass: string;
  /** A load balancer in front of the servers. @default undefined (apps are reached on the hosts' addresses) */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Make the machines exist (a no-op for existing hosts) and say how to reach each one. Called once by `K3sCluster`
   * with itself as `parent`, so anything the provider creates sits under the cluster in the resource tree.
   */
  provision(cluster: Cluster, parent: pulumi.Resource): readonly Machine[];
}
