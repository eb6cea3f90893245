/**
 * Turn the kubeconfig k3s writes on the server (`/etc/rancher/k3s/k3s.yaml`: server `https://127.0.0.1:6443`, and
 * cluster, context and user all called `default`) into one a person can use from their machine: the server points at
 * the host, and the names are stable (`skipper-<cluster id>`) so it can be merged beside other kubeconfigs and so the
 * Kubernetes provider sees the same identity on every run. Parsed and written with the `yaml` package, never templated;
 * the CA is carried over untouched, and the credential is the stack's ServiceAccount token when the read step appended
 * one (it does not expire, unlike k3s's one-year client certificate), else k3s's certificate and key. Error messages
 * never quote the document (it holds a private key).
 */
import { parse, stringify } from "yaml";
import type { Cluster } from "../model.ts";

export interface RewriteOptions {
  /** The API server URL reachable from outside, e.g. `https://203.0.113.10:6443` (see `kubeconfigServer`). */
  readonly server: string;
  /** The cluster, context and user name, e.g. `skipper-203-0-113-10` (see `kubeconfigName`). */
  readonly name: string;
}

type Doc = Record<string, unknown>;

/** `https://<address>:6443`, with IPv6 literals in brackets. */
export function kubeconfigServer(address: string): string {
  return `https://${address.includes(":") ? `[${address}]` : address}:6443`;
}

/** The stable name of a cluster's cluster/context/user entries. */
export function kubeconfigName(cluster: Pick<Cluster, "id">): string {
  return `skipper-${cluster.id}`;
}

function only(doc: Doc, key: string): Doc {
  const list = doc[key];
  if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== "object" || list[0] === null) {
    const n = Array.isArray(list) ? list.length : 0;
    throw new Error(`kubeconfig from k3s: expected exactly one entry in '${key}', found ${n}`);
  }
  return list[0] as Doc;
}

function inner(entry: Doc, key: string, list: string): Doc {
  const value = entry[key];
  if (typeof value !== "object" || value === null) {
    throw new Error(`kubeconfig from k3s: the entry in '${list}' has no '${key}' map`);
  }
  return value as Doc;
}

/** The line the read step prints after the kubeconfig: the stack's ServiceAccount token, base64 (see scripts.ts). */
const TOKEN_LINE = /^# skipper-service-account-token: ([A-Za-z0-9+/=]+)\s*$/m;

/**
 * The ServiceAccount token the read step appended, decoded, or undefined when there is none (a kubeconfig read by
 * an older step): the stack then keeps k3s's client certificate, which expires after a year.
 */
export function serviceAccountToken(raw: string): string | undefined {
  const m = TOKEN_LINE.exec(raw);
  if (!m) return undefined;
  const token = Buffer.from(m[1] as string, "base64").toString("utf8");
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error("kubeconfig from k3s: the ServiceAccount token is not a token");
  return token;
}

/** Rewrite a k3s kubeconfig (see the file comment). Idempotent: rewriting the result again changes nothing. */
export function rewriteKubeconfig(raw: string, opts: RewriteOptions): string {
  let url: URL;
  try {
    url = new URL(opts.server);
  } catch {
    throw new Error(`kubeconfig rewrite: server must be a URL such as https://203.0.113.10:6443 (got ${opts.server})`);
  }
  if (url.protocol !== "https:") throw new Error(`kubeconfig rewrite: server must use https (got ${opts.server})`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(opts.name)) {
    throw new Error(`kubeconfig rewrite: name must be lower-case letters, digits, '-' and '.' (got ${opts.name})`);
  }
  let doc: unknown;
  try {
    doc = parse(raw);
  } catch {
    throw new Error(
      "kubeconfig from k3s is not valid YAML; re-run the read-kubeconfig step or check /etc/rancher/k3s/k3s.yaml",
    );
  }
  if (typeof doc !== "object" || doc === null || (doc as Doc)["kind"] !== "Config") {
    throw new Error("kubeconfig from k3s is not a kubeconfig (kind: Config missing); check /etc/rancher/k3s/k3s.yaml");
  }
  const config = doc as Doc;
  const cluster = only(config, "clusters");
  const context = only(config, "contexts");
  const user = only(config, "users");
  inner(cluster, "cluster", "clusters")["server"] = opts.server;
  cluster["name"] = opts.name;
  const ctx = inner(context, "context", "contexts");
  ctx["cluster"] = opts.name;
  ctx["user"] = opts.name;
  context["name"] = opts.name;
  const credential = serviceAccountToken(raw);
  if (credential !== undefined) user["user"] = { token: credential };
  else inner(user, "user", "users");
  user["name"] = opts.name;
  config["current-context"] = opts.name;
  return stringify(config, { lineWidth: 0 });
}
