/**
 * What the first server's `wait-addons` step waits for. CRDs: those the cluster's own objects need and that only the
 * add-ons register, asynchronously, after k3s starts; Traefik's unless k3s runs with `--disable=traefik`,
 * cert-manager's when the add-on manifests install its chart. Deployments: admission webhooks the API server calls
 * on those objects, which reject every create ("failed calling webhook") until they serve; cert-manager's webhook
 * whenever its CRDs are waited for (same condition, so the plan needs no second input).
 */
import type { K8sObject } from "../k8s.ts";
import type { Cluster } from "../model.ts";
import { CERT_MANAGER_CRDS, CERT_MANAGER_NAMESPACE, TRAEFIK_CRDS } from "../render/addons.ts";

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

/** A Deployment of an add-on that must be Available before the cluster's own objects are created. */
export interface AddonDeployment {
  readonly namespace: string;
  readonly name: string;
  /** How the step's report lines name it, e.g. "cert-manager webhook". */
  readonly label: string;
  /** What goes wrong while it is not Available, for the error message. */
  readonly why: string;
}

/** cert-manager's webhook: the chart's release is named after the HelmChart (`cert-manager`), hence the name. */
export const CERT_MANAGER_WEBHOOK: AddonDeployment = {
  namespace: CERT_MANAGER_NAMESPACE,
  name: "cert-manager-webhook",
  label: "cert-manager webhook",
  why: "until it serves, the API server rejects every Issuer and Certificate ('failed calling webhook')",
};

/** The Deployments wait-addons waits for, given the CRDs it waits for (see `addonCrds`). */
export function addonDeployments(crds: readonly string[]): AddonDeployment[] {
  return crds.some((crd) => CERT_MANAGER_CRDS.includes(crd)) ? [CERT_MANAGER_WEBHOOK] : [];
}
