/**
 * The console-api's Kubernetes clients, all from `@kubernetes/client-node` (no hand-written REST calls), and the
 * two helpers every caller needs: the merge-patch content type and the HTTP status of a failed call.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Log,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";

export interface Kube {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly networking: NetworkingV1Api;
  readonly custom: CustomObjectsApi;
  readonly log: Log;
}

export type KubeSource =
  | { readonly kind: "cluster" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "string"; readonly yaml: string };

export function loadKubeConfig(source: KubeSource): KubeConfig {
  const config = new KubeConfig();
  if (source.kind === "cluster") config.loadFromCluster();
  else if (source.kind === "file") config.loadFromFile(source.path);
  else config.loadFromString(source.yaml);
  if (config.getCurrentCluster() === null) {
    throw new Error(
      source.kind === "file"
        ? `${source.path}: the kubeconfig has no current cluster`
        : "the kubeconfig has no current cluster",
    );
  }
  return config;
}

export function createKube(config: KubeConfig): Kube {
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    networking: config.makeApiClient(NetworkingV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
    log: new Log(config),
  };
}

/** Options for a JSON merge patch (RFC 7386); client-node sends JSON patch by default. */
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
/** Options for a strategic merge patch (lists of containers, env, … merge by name). */
export const STRATEGIC_MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

/** The HTTP status of a failed Kubernetes call, or undefined for network and other errors. */
export function kubeStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** Run a read that may find nothing: 404 becomes undefined. */
export async function orMissing<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (kubeStatus(err) === 404) return undefined;
    throw err;
  }
}
