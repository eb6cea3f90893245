/**
 * Which CRDs the first server's `wait-addons` step waits for: those the cluster's own objects need and that only the
 * add-ons register, asynchronously, after k3s starts. Traefik's unless k3s runs with `--disable=traefik`;
 * cert-manager's when the add-on manifests install its chart.
 */
import type { K8sObject } from "../k8s.ts";
import type { Cluster } from "../model.ts";
import { CERT_MANAGER_CRDS, TRAEFIK_CRDS } from "../render/addons.ts";

function traefikDisabled(cluster: Cluster): boolean {
  return cluster.k3s.extraServerArgs.some(
    (arg) => arg.startsWith("--disable=") && arg.slice("--disable=".length).split(",").includes("traefik"),
  );
}

function installsCertManager(addons: readonly K8sObject[]): boolean {
  return addons.some(
    (o) => o.kind === "HelmChart" && (o as { spec?: { chart?: unknown } }).spec?.chart === "cert-manager",
  );
}

export function addonCrds(cluster: Cluster, addons: readonly K8sObject[]): string[] {
  return [...(traefikDisabled(cluster) ? [] : TRAEFIK_CRDS), ...(installsCertManager(addons) ? CERT_MANAGER_CRDS : [])];
}
