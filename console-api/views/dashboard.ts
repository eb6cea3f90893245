/** Nodes with capacity, allocatable and (when metrics-server answers) usage. */
import type { V1Node } from "@kubernetes/client-node";
import type { NodeView } from "../../core/console/api.ts";
import type { NodeUsage } from "../kube/cluster.ts";
import { bytes, millicores } from "./quantity.ts";

const ROLE_PREFIX = "node-role.kubernetes.io/";

export function nodeView(node: V1Node, usage: readonly NodeUsage[] | undefined): NodeView {
  const name = node.metadata?.name ?? "";
  const capacity = node.status?.capacity ?? {};
  const allocatable = node.status?.allocatable ?? capacity;
  const used = usage?.find((u) => u.name === name);
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter((l) => l.startsWith(ROLE_PREFIX))
    .map((l) => l.slice(ROLE_PREFIX.length))
    .sort();
  const kubeletVersion = node.status?.nodeInfo?.kubeletVersion;
  return {
    name,
    ready: (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    roles,
    ...(kubeletVersion !== undefined && { kubeletVersion }),
    capacity: {
      cpuMillicores: millicores(capacity["cpu"]),
      memoryBytes: bytes(capacity["memory"]),
      pods: Math.round(Number(capacity["pods"] ?? 0)),
    },
    allocatable: { cpuMillicores: millicores(allocatable["cpu"]), memoryBytes: bytes(allocatable["memory"]) },
    ...(used !== undefined && { usage: { cpuMillicores: millicores(used.cpu), memoryBytes: bytes(used.memory) } }),
  };
}
