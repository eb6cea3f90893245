/**
 * The NetworkPolicy of Skipper's own HTTP workloads (gateway, console-api): only Traefik's pods may open connections
 * to them, on the `http` port. k3s enforces NetworkPolicies (its kube-router controller) and lets a node reach its own
 * pods, so the kubelet's probes still pass.
 */
import type { K8sObject } from "../k8s.ts";

/** Where Traefik's pods run: their namespace and the labels that pick them. */
export interface TraefikPods {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** A NetworkPolicy letting only `traefik`'s pods reach the pods matching `podLabels`, on the port named `http`. */
export function onlyFromTraefik(
  metadata: K8sObject["metadata"],
  podLabels: Readonly<Record<string, string>>,
  traefik: TraefikPods,
): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata,
    spec: {
      podSelector: { matchLabels: { ...podLabels } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": traefik.namespace } },
              podSelector: { matchLabels: { ...traefik.podLabels } },
            },
          ],
          ports: [{ protocol: "TCP", port: "http" }],
        },
      ],
    },
  };
}
