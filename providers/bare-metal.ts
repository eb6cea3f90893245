/**
 * `BareMetalProvider`: hosts that already exist and are reachable over SSH. Nothing is created; `provision` only
 * builds each host's connection. The private key comes from the Pulumi config secret `skipper:sshPrivateKey`, never
 * from the stack file. Storage is k3s's bundled `local-path` provisioner.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Cluster, Host } from "../core/model.ts";
import { K3S_STORAGE_CLASS } from "../core/render/service.ts";
import type { HostSpec } from "../core/spec.ts";
import type { InfraProvider, Machine, SshConnection } from "./infra-provider.ts";
import { requireSecretConfig } from "./secret-config.ts";

/** The config key holding the SSH private key. */
export const SSH_KEY_CONFIG = "skipper:sshPrivateKey";

export interface BareMetalArgs {
  /** The machines, first one a server. */
  readonly hosts: readonly HostSpec[];
  /**
   * How many times an SSH dial may fail before a step gives up; bounded so an unreachable host fails in about a
   * minute instead of retrying for ten. @default 4
   */
  readonly dialErrorLimit?: number;
  /** Seconds one SSH dial may take. @default 10 */
  readonly perDialTimeout?: number;
  /** StorageClass for service volumes. @default "local-path" */
  readonly storageClass?: string;
}

export class BareMetalProvider implements InfraProvider {
  readonly name = "bare-metal";
  readonly hosts: readonly HostSpec[];
  readonly storageClass: string;
  private readonly dialErrorLimit: number;
  private readonly perDialTimeout: number;

  constructor(args: BareMetalArgs) {
    this.hosts = args.hosts;
    this.storageClass = args.storageClass ?? K3S_STORAGE_CLASS;
    this.dialErrorLimit = args.dialErrorLimit ?? 4;
    this.perDialTimeout = args.perDialTimeout ?? 10;
  }

  provision(cluster: Cluster, _parent: pulumi.Resource): readonly Machine[] {
    const first = cluster.hosts[0]?.address ?? "the hosts";
    const privateKey = requireSecretConfig(
      SSH_KEY_CONFIG,
      `the SSH private key that reaches ${first}`,
      `pulumi config set --secret ${SSH_KEY_CONFIG} < ~/.ssh/id_ed25519`,
    );
    return cluster.hosts.map((host) => ({ host, connection: this.connection(host, privateKey) }));
  }

  private connection(host: Host, privateKey: pulumi.Output<string>): SshConnection {
    return {
      host: host.address,
      port: host.port,
      user: host.user,
      privateKey,
      ...(host.hostKey ? { hostKey: host.hostKey } : {}),
      dialErrorLimit: this.dialErrorLimit,
      perDialTimeout: this.perDialTimeout,
    };
  }
}

/** Existing machines reachable over SSH: `cluster: { provider: bareMetal({ hosts: [{ address: "203.0.113.10" }] }) }`. */
export function bareMetal(args: BareMetalArgs): BareMetalProvider {
  return new BareMetalProvider(args);
}
