/**
 * The Service in front of one of Skipper's own HTTP workloads (the gateway, the console-api, the proof responder):
 * cluster-internal, port 80 to the container port named `http`, which is what their Ingresses point at.
 */
import type { K8sObject } from "../k8s.ts";

export function httpService(metadata: K8sObject["metadata"], selector: Readonly<Record<string, string>>): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      type: "ClusterIP",
      selector: { ...selector },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    },
  };
}
