/**
 * The typed specification of a Skipper stack: what a user writes in `skipper.ts` (through `defineStack`) and what
 * `kip` generates and edits. Pure data, no Pulumi. Every interface here has its field definitions in
 * `core/stack-schema.ts` (the compiler keeps the two in step). Validation (`core/validate/*.ts`) turns a `StackSpec`
 * into a `Stack` (`core/model.ts`) with every default filled in, or throws a `SpecErrors` that names each field.
 *
 * Secrets (SSH private key, Cloudflare token) are never part of the spec: they come from Pulumi config secrets.
 */

/** One machine reachable over SSH. */
export interface HostSpec {
  /** Public IPv4 address or DNS name the host is reached at (also added to the API server's `--tls-san`). */
  readonly address: string;
  /** SSH user: `root`, or a user with passwordless `sudo -n`. @default "root" */
  readonly user?: string;
  /** SSH port. @default 22 */
  readonly port?: number;
  /** `server` (control plane) or `agent` (worker). The first host must be a server. @default "server" for the first host, "agent" for the rest */
  readonly role?: "server" | "agent";
  /**
   * The host's SSH public key as `ssh-keyscan` prints it without the host name, e.g. `ssh-ed25519 AAAA…`. When set,
   * a different key is refused before any command runs. `kip init` fills it in. @default unset (key not checked)
   */
  readonly hostKey?: string;
  /** Extra names or addresses for the API server certificate. @default [] */
  readonly tlsSans?: readonly string[];
  /** Node name in Kubernetes. @default "<stack-name>-<index>" derived from the address */
  readonly nodeName?: string;
}

/** Where k3s comes from and which version is pinned. */
export interface K3sSpec {
  /** Pinned k3s release, e.g. `v1.31.4+k3s1`. */
  readonly version: string;
  /**
   * URL of the k3s install script. Change it for a mirror or an air-gapped host.
   * @default "https://get.k3s.io"
   */
  readonly installScriptUrl?: string;
  /**
   * Base URL of a mirror laid out like k3s's GitHub releases: `<url>/<version with + as %2B>/k3s` (or `k3s-arm64`)
   * and `sha256sum-<arch>.txt` beside it. When set, the host downloads the binary from there, checks its checksum and
   * runs the installer with `INSTALL_K3S_SKIP_DOWNLOAD=true`; `file://` works for air-gapped hosts.
   * @default unset (the installer downloads from GitHub)
   */
  readonly artifactUrl?: string;
  /** Extra `k3s server` flags, appended after Skipper's own. @default [] */
  readonly extraServerArgs?: readonly string[];
}

/** Preflight thresholds; the defaults match k3s's documented minimums. */
export interface PreflightSpec {
  /** @default 1800 */
  readonly minMemoryMiB?: number;
  /** Free space on `/var/lib` in GiB. @default 10 */
  readonly minDiskGiB?: number;
  /** Ports that must be free on a server. @default [80, 443, 6443] */
  readonly ports?: readonly number[];
}

export interface ClusterSpec {
  /**
   * A chosen cluster id for the gateway scheme (`hello--<name>.<base>`). @default the first host's IPv4 with dashes
   */
  readonly name?: string;
  readonly hosts: readonly HostSpec[];
  readonly k3s: K3sSpec;
  readonly preflight?: PreflightSpec;
}

/** How apps are reached. Either or both. */
export interface DomainSpec {
  /** Base domain of a Skipper gateway: every app gets `<app>-<cluster-id>.<gateway>`. @default unset */
  readonly gateway?: string;
  /**
   * Email for Let's Encrypt registrations (custom domains). Required when the first custom domain sits under a
   * suffix many owners share (e.g. `foo.github.io`). @default `admin@<registrable domain of the first custom domain>`,
   * by the public suffix list (`shop.example.co.uk` → `admin@example.co.uk`)
   */
  readonly acmeEmail?: string;
  /** Use Let's Encrypt's staging directory (for trying things out). @default false */
  readonly acmeStaging?: boolean;
  /**
   * Addresses or CIDRs (`198.51.100.7`, `198.51.100.0/24`) of the gateway or load balancer in front of the cluster,
   * whose `X-Forwarded-For`/`-Proto`/`-Host` headers Traefik believes. Set it to the gateway's address so apps behind
   * the gateway see `X-Forwarded-Proto: https` and the client's address. @default [] (forwarded headers not trusted)
   */
  readonly trustedProxies?: readonly string[];
}

export type ServiceEngine = "postgres" | "mysql" | "redis" | "mongodb";

export interface ServiceSpec {
  readonly engine: ServiceEngine;
  /** Image tag of the engine, e.g. `16` for postgres. @default the catalogue's current major */
  readonly version?: string;
  /** Volume size. @default the catalogue's size for the engine */
  readonly storage?: string;
  /** Project (namespace) the service lives in. @default "main" */
  readonly project?: string;
  /** CPU and memory. @default the catalogue's profile for the engine */
  readonly resources?: ResourcesSpec;
  /** Delete the volume when the service is removed from the stack or the stack is destroyed. @default false */
  readonly deleteDataOnDestroy?: boolean;
}

export interface ResourcesSpec {
  /** e.g. `100m`. */
  readonly cpu?: string;
  /** e.g. `256Mi`. */
  readonly memory?: string;
  /** @default cpu */
  readonly cpuLimit?: string;
  /** @default memory */
  readonly memoryLimit?: string;
}

export interface HealthSpec {
  /** HTTP path probed for readiness and liveness, e.g. `/healthz`. */
  readonly path: string;
  /** @default the app's port */
  readonly port?: number;
  /** @default 5 */
  readonly initialDelaySeconds?: number;
}

export interface AppSpec {
  /** Container image with a tag or digest, e.g. `ghcr.io/acme/web:1.4.2`. */
  readonly image: string;
  /** Port the container listens on. Apps without a port get no Service and no route. @default unset */
  readonly port?: number;
  /** @default 1 */
  readonly replicas?: number;
  /** Project (namespace) the app lives in. @default "main" */
  readonly project?: string;
  /** Plain environment variables. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Names of secret environment variables; their values come from Pulumi config secrets
   * (`skipper:secret.<app>.<NAME>`), are stored in a Kubernetes Secret and never appear in a manifest. @default []
   */
  readonly secretEnv?: readonly string[];
  /** Services whose connection settings are injected as env vars. @default [] */
  readonly bind?: readonly string[];
  /** Readiness and liveness probes. @default none */
  readonly health?: HealthSpec;
  readonly resources?: ResourcesSpec;
  /** Custom domains served with Let's Encrypt certificates. @default [] */
  readonly domains?: readonly string[];
  /** Publish the app on the gateway name `<app>-<cluster-id>.<gateway>` (needs `domain.gateway` and a port). @default true */
  readonly public?: boolean;
  /** Container command / args override. @default the image's */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

export interface ConsoleSpec {
  /** Deploy the web console into the cluster (reached at `console-<cluster-id>.<gateway>`). @default false */
  readonly enabled?: boolean;
  /**
   * A custom domain for the console, served with a Let's Encrypt certificate like an app's custom domains. Needs
   * `enabled: true`. @default unset
   */
  readonly domain?: string;
}

export interface StackSpec {
  readonly cluster: ClusterSpec;
  readonly domain?: DomainSpec;
  readonly services?: Readonly<Record<string, ServiceSpec>>;
  readonly apps?: Readonly<Record<string, AppSpec>>;
  readonly console?: ConsoleSpec;
}

/** The project every app and service lives in unless it names one. */
export const DEFAULT_PROJECT = "main";
