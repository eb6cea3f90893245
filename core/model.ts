/**
 * The normalised stack: a validated `StackSpec` with every default filled in and every name derived. Renderers and
 * components consume only these types, never the raw spec, so defaults live in one place (`core/validate/`).
 * Lists are sorted by name so everything rendered from them is deterministic.
 */
import type { ClusterRef } from "./naming.ts";
import type { ServiceEngine } from "./spec.ts";

export interface Host {
  /** Position in `cluster.hosts`; host 0 initialises the cluster. */
  readonly index: number;
  readonly address: string;
  readonly user: string;
  readonly port: number;
  readonly role: "server" | "agent";
  readonly hostKey?: string;
  /** Every name and address the API server certificate must cover (address first, then tlsSans). */
  readonly tlsSans: readonly string[];
  readonly nodeName: string;
  /**
   * The address k3s uses for node traffic (`node-ip`, and flannel on the interface that holds it), e.g. on a
   * provider's private network; joining hosts reach the first server there. @default unset (k3s picks)
   */
  readonly nodeIp?: string;
}

export interface K3s {
  readonly version: string;
  readonly installScriptUrl: string;
  readonly artifactUrl?: string;
  readonly extraServerArgs: readonly string[];
}

export interface Preflight {
  readonly minMemoryMiB: number;
  readonly minDiskGiB: number;
  readonly ports: readonly number[];
}

export interface Cluster {
  /** The gateway cluster id: dashed IPv4 of host 0, or the chosen name. */
  readonly id: string;
  readonly ref: ClusterRef;
  readonly hosts: readonly Host[];
  readonly k3s: K3s;
  readonly preflight: Preflight;
}

export interface Resources {
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit: string;
  readonly memoryLimit: string;
}

export interface Service {
  readonly name: string;
  readonly engine: ServiceEngine;
  readonly version: string;
  /** `<engine image>:<version>` */
  readonly image: string;
  readonly port: number;
  readonly storage: string;
  readonly project: string;
  readonly namespace: string;
  readonly resources: Resources;
  readonly deleteDataOnDestroy: boolean;
}

export interface Health {
  readonly path: string;
  readonly port: number;
  readonly initialDelaySeconds: number;
}

export interface App {
  readonly name: string;
  readonly image: string;
  readonly port?: number;
  readonly replicas: number;
  readonly project: string;
  readonly namespace: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: readonly string[];
  readonly bind: readonly string[];
  readonly health?: Health;
  readonly resources: Resources;
  /** Custom domains (Let's Encrypt). */
  readonly domains: readonly string[];
  /** The gateway host `<app>-<cluster-id>.<gateway>`, when the app has a port, is public and the stack uses a gateway. */
  readonly gatewayHost?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

export interface Domain {
  readonly gateway?: string;
  readonly acmeEmail?: string;
  readonly acmeStaging: boolean;
  /** Addresses or CIDRs whose forwarded headers Traefik trusts; sorted. */
  readonly trustedProxies: readonly string[];
}

export interface Stack {
  readonly cluster: Cluster;
  readonly domain: Domain;
  /** Every project used by an app or a service, plus the default one; sorted. */
  readonly projects: readonly string[];
  readonly services: readonly Service[];
  readonly apps: readonly App[];
  readonly console: Console;
}

export interface Console {
  readonly enabled: boolean;
  /** `console-<cluster-id>.<gateway>`, when the console is enabled and the stack uses a gateway. */
  readonly host?: string;
  /** The console's custom domain (Let's Encrypt), lower case. */
  readonly domain?: string;
}
