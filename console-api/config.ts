/**
 * The console-api's configuration, read only from the environment (the stack sets these on its container):
 *
 * | variable                          | meaning                                                          | default          |
 * |-----------------------------------|------------------------------------------------------------------|------------------|
 * | `PORT`, `HOST`                    | where to listen                                                  | 8080, 0.0.0.0    |
 * | `SKIPPER_CONSOLE_NAMESPACE`       | namespace of its users Secret and audit-log ConfigMap             | skipper-console  |
 * | `SKIPPER_CONSOLE_SIGNING_KEY_FILE`| PEM private key (Ed25519 → EdDSA, P-256 → ES256) signing tokens  | a key made at start (tokens die with the process) |
 * | `SKIPPER_ADMIN_EMAIL`/`_PASSWORD` | the first admin, created only while no user exists               |                  |
 * | `SKIPPER_CONSOLE_WEB_DIR`         | the built web console to serve                                   | none (API only)  |
 * | `SKIPPER_CLUSTER_ID`              | shown in the console, names the console host                     |                  |
 * | `SKIPPER_GATEWAY_DOMAIN`          | hosts under it get TLS from the gateway                          |                  |
 * | `SKIPPER_STACK_FILE`              | the stack file named when a stack-owned change is refused        | stacks/skipper.ts|
 * | `SKIPPER_CONSOLE_TRUSTED_PROXIES` | comma-separated addresses/CIDRs whose X-Forwarded-For is believed | in a pod: private ranges; else none |
 *
 * The Kubernetes API: in a pod (`KUBERNETES_SERVICE_HOST` set) its ServiceAccount, else the file `KUBECONFIG` names.
 */

import { normaliseDomain } from "../core/naming.ts";

export class ConfigError extends Error {}

export interface ConsoleConfig {
  readonly port: number;
  readonly host: string;
  readonly namespace: string;
  readonly signingKeyFile?: string;
  readonly admin?: { readonly email: string; readonly password: string };
  readonly webDir?: string;
  readonly clusterId?: string;
  readonly gatewayDomain?: string;
  readonly stackFile: string;
  readonly trustedProxies: readonly string[];
  /** `cluster`: the pod's ServiceAccount; else a kubeconfig file. */
  readonly kube: { readonly kind: "cluster" } | { readonly kind: "file"; readonly path: string };
}

type Env = Readonly<Record<string, string | undefined>>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1918 and unique-local ranges: the pod network and the node's, where the ingress controller runs. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "127.0.0.1", "::1"];

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

function portOf(env: Env): number {
  const raw = value(env, "PORT");
  if (raw === undefined) return 8080;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
    throw new ConfigError(`PORT must be a whole number between 1 and 65535 (got ${JSON.stringify(raw)})`);
  return port;
}

export function configFromEnv(env: Env = process.env): ConsoleConfig {
  const namespace = value(env, "SKIPPER_CONSOLE_NAMESPACE") ?? "skipper-console";
  if (!DNS_LABEL.test(namespace))
    throw new ConfigError(
      `SKIPPER_CONSOLE_NAMESPACE must be a Kubernetes namespace name (got ${JSON.stringify(namespace)})`,
    );
  const email = value(env, "SKIPPER_ADMIN_EMAIL");
  const password = env["SKIPPER_ADMIN_PASSWORD"];
  if ((email === undefined) !== (password === undefined || password === ""))
    throw new ConfigError("set both SKIPPER_ADMIN_EMAIL and SKIPPER_ADMIN_PASSWORD, or neither");
  const inCluster = value(env, "KUBERNETES_SERVICE_HOST") !== undefined;
  const kubeconfig = value(env, "KUBECONFIG");
  if (!inCluster && kubeconfig === undefined)
    throw new ConfigError("no Kubernetes API: set KUBECONFIG to a kubeconfig file (outside a cluster)");
  const proxies = value(env, "SKIPPER_CONSOLE_TRUSTED_PROXIES");
  const signingKeyFile = value(env, "SKIPPER_CONSOLE_SIGNING_KEY_FILE");
  const webDir = value(env, "SKIPPER_CONSOLE_WEB_DIR");
  const clusterId = value(env, "SKIPPER_CLUSTER_ID");
  const domain = value(env, "SKIPPER_GATEWAY_DOMAIN");
  const gatewayDomain = domain === undefined ? undefined : normaliseDomain(domain);
  return {
    port: portOf(env),
    host: value(env, "HOST") ?? "0.0.0.0",
    namespace,
    ...(signingKeyFile !== undefined && { signingKeyFile }),
    ...(email !== undefined && password !== undefined && { admin: { email, password } }),
    ...(webDir !== undefined && { webDir }),
    ...(clusterId !== undefined && { clusterId }),
    ...(gatewayDomain !== undefined && { gatewayDomain }),
    stackFile: value(env, "SKIPPER_STACK_FILE") ?? "stacks/skipper.ts",
    trustedProxies:
      proxies !== undefined
        ? proxies
            .split(",")
            .map((p) => p.trim())
            .filter((p) => p !== "")
        : inCluster
          ? PRIVATE_RANGES
          : [],
    kube: inCluster ? { kind: "cluster" } : { kind: "file", path: kubeconfig! },
  };
}

/** Whether the server listens on loopback only (then cookies may go without `Secure`: plain-HTTP local use). */
export function isLoopbackHost(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost" || host.startsWith("127.");
}
