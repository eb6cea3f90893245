import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Registry } from "../../gateway/registry/registry.ts";
import { tempDataPath } from "./registry-helpers.ts";

const child = join(dirname(fileURLToPath(import.meta.url)), "registry-crash-child.ts");

for (const step of ["rotated", "snapshot-written", "snapshot-renamed", "old-logs-removed", "none"]) {
  test(`a crash at compaction step '${step}' keeps every acknowledged write`, async (t) => {
    const path = tempDataPath(t);
    const run = spawnSync(process.execPath, ["--import", "tsx", child, path, step], { encoding: "utf8" });
    if (step === "none") assert.equal(run.status, 0, run.stderr);
    else assert.equal(run.signal, "SIGKILL", `child should have killed itself: ${run.stderr}`);
    const lines = run.stdout.trim().split("\n");
    assert.ok(lines.includes("ack-del c5"));
    const expected = new Map<string, number>();
    for (const l of lines) {
      const [kind, id, seen] = l.split(" ");
      if (kind === "ack") expected.set(id!, Number(seen));
    }
    assert.ok(expected.size >= 120, `acknowledged ids: ${expected.size}`);
    const reg = Registry.open(path, { warn: () => {} });
    t.after(() => reg.close());
    for (const [id, lastSeen] of expected) {
      if (id === "c5") continue;
      assert.equal(reg.get(id)?.lastSeen, lastSeen, `record ${id} after a crash at ${step}`);
    }
    assert.equal(reg.get("c5"), undefined, "an acknowledged delete stays deleted");
    assert.ok(!readdirSync(dirname(path)).some((f) => f.endsWith(".tmp")), "no leftover temporary snapshot");
  });
}
