import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { test } from "node:test";
import { decodeLog, encodeEntry } from "../../gateway/registry/log-codec.ts";
import { Registry } from "../../gateway/registry/registry.ts";
import { sampleRecord, tempDataPath } from "./registry-helpers.ts";

test("puts and deletes survive a reopen", async (t) => {
  const path = tempDataPath(t);
  const reg = Registry.open(path);
  await Promise.all([1, 2, 3].map((i) => reg.put(sampleRecord(i))));
  await reg.put({ ...sampleRecord(2), ip: "198.51.100.99", lastSeen: 5 });
  assert.equal(await reg.delete("c3"), true);
  assert.equal(await reg.delete("nope"), false);
  await reg.close();

  const again = Registry.open(path);
  t.after(() => again.close());
  assert.equal(again.size, 2);
  assert.deepEqual(again.get("c1"), sampleRecord(1));
  assert.equal(again.get("c2")?.ip, "198.51.100.99");
  assert.equal(again.get("c3"), undefined);
  assert.equal(again.report.entriesReplayed, 5);
});

test("concurrent writes share fsyncs (group commit) and all become durable", async (t) => {
  const path = tempDataPath(t);
  const reg = Registry.open(path);
  const n = 2000;
  await Promise.all(Array.from({ length: n }, (_, i) => reg.put(sampleRecord(i))));
  const log = decodeLog(readFileSync(`${path}.wal.0`));
  assert.equal(log.ops.length, n);
  assert.equal(log.droppedBytes, 0);
  await reg.close();
});

test("a torn last entry is dropped at every cut point, earlier entries kept, and appends continue cleanly", async (t) => {
  const path = tempDataPath(t);
  const reg = Registry.open(path);
  for (let i = 0; i < 5; i++) await reg.put(sampleRecord(i));
  await reg.close();
  const logFile = `${path}.wal.0`;
  const full = readFileSync(logFile);
  const lastLen = encodeEntry({ put: sampleRecord(4) }).length;
  const start = full.length - lastLen;
  for (let cut = start; cut < full.length; cut++) {
    writeFileSync(logFile, full.subarray(0, cut));
    const warnings: string[] = [];
    const r = Registry.open(path, { warn: (m) => warnings.push(m) });
    assert.equal(r.size, 4, `cut at byte ${cut}`);
    assert.equal(r.get("c4"), undefined);
    assert.equal(warnings.length, cut === start ? 0 : 1);
    await r.put(sampleRecord(99));
    await r.close();
    const r2 = Registry.open(path);
    assert.equal(r2.size, 5, `append after truncation at ${cut}`);
    assert.deepEqual(r2.get("c99"), sampleRecord(99));
    await r2.close();
  }
});

test("an entry with a bad checksum ends the log there", async (t) => {
  const path = tempDataPath(t);
  const reg = Registry.open(path);
  await reg.put(sampleRecord(1));
  await reg.close();
  const good = encodeEntry({ put: sampleRecord(2) });
  const flipped = `${good.slice(0, 12)}${good[12] === "x" ? "y" : "x"}${good.slice(13)}`;
  appendFileSync(`${path}.wal.0`, flipped + encodeEntry({ put: sampleRecord(3) }));
  const r = Registry.open(path, { warn: () => {} });
  t.after(() => r.close());
  assert.deepEqual(
    [...r.values()].map((x) => x.id),
    ["c1"],
  );
  assert.equal(r.report.droppedBytes, flipped.length + good.length);
});

test("compaction folds the logs into a snapshot, removes old logs, and loads to the same state", async (t) => {
  const path = tempDataPath(t);
  const reg = Registry.open(path, { compactMinBytes: 16 * 1024, compactRatio: 2 });
  for (let round = 0; round < 20; round++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => reg.put(sampleRecord(i, round))));
  }
  await reg.delete("c7");
  await reg.flush();
  assert.ok(reg.compactions >= 1, "log growth past the threshold should have compacted");
  await reg.close();
  const files = readdirSync(dirname(path)).filter((f) => f.startsWith(basename(path)));
  assert.ok(files.includes(basename(path)), `snapshot present in ${files.join(", ")}`);
  assert.equal(files.filter((f) => f.includes(".wal.")).length, 1, `one live log in ${files.join(", ")}`);
  assert.ok(statSync(`${path}`).size > 0);
  const r = Registry.open(path);
  t.after(() => r.close());
  assert.equal(r.size, 49);
  assert.equal(r.get("c7"), undefined);
  assert.deepEqual(r.get("c8"), sampleRecord(8, 19));
});

test("expiredIds lists records older than the TTL", async (t) => {
  const path = tempDataPath(t);
  const reg = Registry.open(path);
  t.after(() => reg.close());
  await reg.put(sampleRecord(1, 1000));
  await reg.put(sampleRecord(2, 5000));
  assert.deepEqual(reg.expiredIds(6000, 2000), ["c1"]);
  assert.deepEqual(reg.expiredIds(6000, 500), ["c1", "c2"]);
});

test("a second live process cannot open the same registry; a dead owner's lock is taken over", async (t) => {
  const path = tempDataPath(t);
  const registryModule = new URL("../../gateway/registry/registry.ts", import.meta.url).href;
  const holder = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const { Registry } = await import(${JSON.stringify(registryModule)}); Registry.open(${JSON.stringify(path)}); console.log("open"); setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  t.after(() => holder.kill("SIGKILL"));
  await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
  assert.throws(() => Registry.open(path), new RegExp(`in use by process ${holder.pid}`));
  holder.kill("SIGKILL");
  await new Promise((r) => holder.once("exit", r));
  const reg = Registry.open(path);
  await reg.put(sampleRecord(1));
  await reg.close();
  assert.ok(!existsSync(`${path}.lock`), "close releases the lock");
});
