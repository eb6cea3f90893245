/**
 * One registered cluster, as the registry keeps it in memory and on disk. Records are immutable: every change
 * replaces the whole record, which lets the store snapshot the registry by copying references, and makes every log
 * entry a full state (replaying an entry twice is harmless).
 *
 * The token itself is never kept: only its SHA-256 (see gateway/control/tokens.ts), so neither a read of the record
 * nor a copy of the data file can give it away.
 */
export interface ClusterRecord {
  /** Cluster id: the dashed IPv4 address (`203-0-113-10`) or a chosen name (`acme`). */
  readonly id: string;
  /** Where the data plane sends this cluster's traffic. */
  readonly ip: string;
  readonly port: number;
  /** base64url SHA-256 of the cluster's token. */
  readonly tokenHash: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Last registration, move or heartbeat, in milliseconds since the epoch; expiry counts from here. */
  readonly lastSeen: number;
}

/** One change to the registry, as written to the log: a full record to put, or an id to delete. */
export type RegistryOp = { readonly put: ClusterRecord } | { readonly del: string };

function isString(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 256;
}

function isTime(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

/** Check a value read from disk; undefined when it is not a well-formed record. */
export function asRecord(value: unknown): ClusterRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const { id, ip, port, tokenHash, createdAt, lastSeen } = r;
  if (!isString(id) || !isString(ip) || !isString(tokenHash)) return undefined;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (!isTime(createdAt) || !isTime(lastSeen)) return undefined;
  // Rebuild with a fixed field order so every record shares one hidden class (compact, fast lookups).
  return { id, ip, port, tokenHash, createdAt, lastSeen };
}

/** Check a log entry read from disk. */
export function asOp(value: unknown): RegistryOp | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if ("put" in o) {
    const put = asRecord(o["put"]);
    return put ? { put } : undefined;
  }
  if ("del" in o && isString(o["del"])) return { del: o["del"] };
  return undefined;
}
