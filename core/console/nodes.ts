/**
 * A node as the console and `kip status` show it: readiness, roles, capacity and allocatable resources, and usage when
 * metrics-server answers. Pure: it takes the node as the Kubernetes API returns it (only the fields read here) and
 * turns resource quantities (`250m`, `4026680Ki`, `1.5Gi`, `1e3`) into numbers with the validator's parser.
 */
import { parseQuantity as parseQuantityText } from "../validate/values.ts";
import type { NodeView } from "./api.ts";

/** What metrics-server reports for one node (`metrics.k8s.io/v1beta1` NodeMetrics). */
export interface NodeUsage {
  readonly name: string;
  readonly cpu: string;
  readonly memory: string;
}

type Quantities = Readonly<Record<string, string | undefined>>;

/** The fields of a `v1.Node` that `nodeView` reads (client-node's `V1Node` fits). */
export interface NodeLike {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly status?: {
    readonly capacity?: Quantities;
    readonly allocatable?: Quantities;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    readonly nodeInfo?: { readonly kubeletVersion?: string };
  };
}

/** The value of a quantity in base units, or undefined when it is not one (blanks around it are ignored). */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === "number") return q;
  return parseQuantityText(q.trim());
}

export const millicores = (q: string | number | undefined): number => Math.round((parseQuantity(q) ?? 0) * 1000);
export const bytes = (q: string | number | undefined): number => Math.round(parseQuantity(q) ?? 0);

const ROLE_PREFIX = "node-role.kubernetes.io/";

export function nodeView(node: NodeLike, usage: readonly NodeUsage[] | undefined): NodeView {
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
