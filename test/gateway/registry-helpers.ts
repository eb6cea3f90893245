/** Shared by the registry tests: temp directories and made-up records. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { ClusterRecord } from "../../gateway/registry/record.ts";

/** A fresh directory and the data path inside it; `remove` deletes the directory. */
export function makeTempDataPath(name = "registry"): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "skipper-registry-"));
  return { path: join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh directory removed when the test ends; returns the data path inside it. */
export function tempDataPath(t: TestContext, name = "registry"): string {
  const { path, remove } = makeTempDataPath(name);
  t.after(remove);
  return path;
}

/** Record number `i`, deterministic: distinct id, address, port and token hash. */
export function sampleRecord(i: number, lastSeen = 1_700_000_000_000 + i): ClusterRecord {
  return {
    id: `c${i}`,
    ip: `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 1 + (i % 65535),
    tokenHash: `h${i.toString(36).padStart(42, "0")}`,
    createdAt: 1_700_000_000_000,
    lastSeen,
  };
}
