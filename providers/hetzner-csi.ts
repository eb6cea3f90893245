/**
 * The Hetzner Cloud CSI driver (github.com/hetznercloud/csi-driver) for service volumes: a k3s `HelmChart` of the
 * official chart (k3s's helm controller installs it from the servers' manifests folder), and the `hcloud` Secret with
 * the API token the driver's controller reads. The chart's StorageClass is the one services claim volumes from.
 *
 * Reclaim policy `Delete`: a volume goes when its claim goes, and claims go only when a service opted in with
 * `deleteDataOnDestroy` (its claims carry `whenDeleted: Delete`; everyone else's are retained). On `pulumi destroy`
 * the release-data step (`core/k3s/release-data.ts`) deletes the opted-in claims and waits for their volumes while
 * this driver still runs, before the servers go. The volumes carry the label `skipper.run/cluster=<id>`, so
 * `hcloud volume list -l skipper.run/cluster=<id>` finds the ones a destroyed cluster left behind.
 */
import type * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { K8sObject } from "../core/k8s.ts";

/** The chart's repository and the version pinned by default (the driver's image has the same version). */
export const CSI_CHART_REPO = "https://charts.hetzner.cloud";
export const CSI_CHART_VERSION = "2.19.0";
/** The Secret (in kube-system) and key the chart's controller reads the token from by default. */
export const CSI_TOKEN_SECRET = "hcloud";

export interface CsiOptions {
  /** The cluster id, put on every volume as a label. */
  readonly clusterId: string;
  /** The StorageClass the chart creates. */
  readonly storageClass: string;
  /** Where volumes are created (the servers' location). */
  readonly location: string;
  /** @default CSI_CHART_VERSION */
  readonly chartVersion?: string;
}

/** The driver as a k3s HelmChart (no secret in it: the token is in the Secret of `csiTokenSecret`). */
export function csiHelmChart(opts: CsiOptions): K8sObject {
  const values = {
    controller: {
      hcloudToken: { existingSecret: { name: CSI_TOKEN_SECRET, key: "token" } },
      hcloudVolumeDefaultLocation: opts.location,
      volumeExtraLabels: { "skipper.run/cluster": opts.clusterId },
    },
    // Not the cluster's default class: k3s's local-path stays that, and Skipper's services name this one.
    storageClasses: [{ name: opts.storageClass, defaultStorageClass: false, reclaimPolicy: "Delete" }],
  };
  return {
    apiVersion: "helm.cattle.io/v1",
    kind: "HelmChart",
    metadata: {
      name: "hcloud-csi",
      namespace: "kube-system",
      labels: { "app.kubernetes.io/managed-by": "skipper" },
    },
    spec: {
      repo: CSI_CHART_REPO,
      chart: "hcloud-csi",
      version: opts.chartVersion ?? CSI_CHART_VERSION,
      targetNamespace: "kube-system",
      valuesContent: stringify(values),
    },
  };
}

/** The Secret with the API token (a secret Output), created through the cluster's Kubernetes provider. */
export function csiTokenSecret(token: pulumi.Output<string>): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: CSI_TOKEN_SECRET,
      namespace: "kube-system",
      labels: { "app.kubernetes.io/managed-by": "skipper" },
    },
    type: "Opaque",
    stringData: { token },
  };
}
