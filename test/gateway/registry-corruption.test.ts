/**
 * A log record whose bytes were damaged after they were written (a bad disk, a stray write) is refused by its
 * checksum: the records before it are kept, it and everything after it are dropped with a warning, and the gateway
 * still starts and serves what was kept.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { decodeLog, encodeEntry } from "../../gateway/registry/log-codec.ts";
import type { RegistryOp } from "../../gateway/registry/record.ts";
import { Registry } from "../../gateway/registry/registry.ts";
import { sampleRecord, tempDataPath } from "./registry-helpers.ts";
import { seededRandom } from "./seeded-random.ts";
import { ADMIN_TOKEN, call, startGateway } from "./server-process.ts";

/** The ops the test log holds, in order: puts, a move, a delete. */
function ops(): RegistryOp[] {
  return [
    { put: sampleRecord(1) },
    { put: sampleRecord(2) },
    { put: { ...sampleRecord(1), ip: "198.51.100.77", lastSeen: 1_800_000_000_000 } },
    { put: sampleRecord(3) },
    { del: "c2" },
    { put: sampleRecord(4) },
  ];
}

/** The registry's contents after replaying `list`. */
function replay(list: readonly RegistryOp[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const op of list) {
    if ("put" in op) m.set(op.put.id, op.put);
    else m.delete(op.del);
  }
  return m;
}

test("any single damaged byte in a record refuses that record and keeps the ones before it (seeded)", async (t) => {
  const random = seededRandom("registry record corruption");
  const path = tempDataPath(t);
  const lines = ops().map(encodeEntry);
  const clean = Buffer.from(lines.join(""));
  for (let round = 0; round < 150; round++) {
    const k = random.below(lines.length);
    const start = Buffer.byteLength(lines.slice(0, k).join(""));
    const at = start + random.below(Buffer.byteLength(lines[k]!));
    const damaged = Buffer.from(clean);
    damaged[at] = (damaged[at]! + 1 + random.below(255)) & 0xff; // any other byte value
    writeFileSync(`${path}.wal.0`, damaged);
    const warnings: string[] = [];
    const reg = Registry.open(path, { warn: (w) => warnings.push(w) });
    const what = `round ${round}: record ${k}, byte ${at - start} set to ${damaged[at]}`;
    assert.deepEqual(new Map([...reg.values()].map((r) => [r.id, r])), replay(ops().slice(0, k)), what);
    assert.equal(reg.report.entriesReplayed, k, what);
    assert.equal(warnings.length, 1, what);
    assert.match(warnings[0]!, /dropped \d+ bytes after the last whole entry/);
    await reg.close();
    assert.equal(readFileSync(`${path}.wal.0`).length, start, `${what}: the log is cut before the damaged record`);
  }
});

test("a damaged record that is still a well-formed entry is refused by its checksum alone", async (t) => {
  const path = tempDataPath(t);
  const lines = ops().map(encodeEntry);
  // Record 3 (c3, port 4) becomes port 9: valid JSON, a valid record, only the checksum says it changed.
  const changed = lines[3]!.replace('"port":4,', '"port":9,');
  assert.notEqual(changed, lines[3]);
  assert.equal(decodeLog(Buffer.from(changed)).ops.length, 0, "the changed line does not decode");
  writeFileSync(`${path}.wal.0`, [...lines.slice(0, 3), changed, ...lines.slice(4)].join(""));
  const reg = Registry.open(path, { warn: () => {} });
  t.after(() => reg.close());
  assert.equal(reg.get("c3"), undefined, "the damaged record is refused");
  assert.equal(reg.get("c1")?.ip, "198.51.100.77", "the records before it are kept");
  assert.deepEqual(reg.get("c2"), sampleRecord(2));
});

test("the gateway starts on a log with a damaged record and serves the clusters before it", async (t) => {
  const path = tempDataPath(t);
  const args = ["--allow-private", "--admin-token", ADMIN_TOKEN];
  const first = await startGateway(t, path, args);
  for (const [name, port] of [
    ["kept", 8001],
    ["damaged", 8002],
    ["after", 8003],
  ] as const) {
    const r = await call(first.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port, name } });
    assert.equal(r.status, 201, r.text);
  }
  first.child.kill("SIGKILL");
  await first.exited;
  const log = readFileSync(`${path}.wal.0`, "utf8");
  assert.ok(log.includes('"port":8002'));
  writeFileSync(`${path}.wal.0`, log.replace('"port":8002', '"port":8012'));
  const second = await startGateway(t, path, args);
  assert.equal((await call(second.port, "GET", "/healthz")).status, 200);
  const kept = await call(second.port, "GET", "/v1/clusters/kept", { token: ADMIN_TOKEN });
  assert.equal(kept.status, 200, kept.text);
  assert.equal(kept.json.port, 8001);
  assert.equal((await call(second.port, "GET", "/v1/clusters/damaged", { token: ADMIN_TOKEN })).status, 404);
  assert.equal((await call(second.port, "GET", "/v1/clusters/after", { token: ADMIN_TOKEN })).status, 404);
  assert.match(second.output(), /registry log .*\.wal\.0: dropped \d+ bytes after the last whole entry/);
  const again = await call(second.port, "POST", "/v1/clusters", {
    body: { ip: "127.0.0.1", port: 8002, name: "damaged" },
  });
  assert.equal(again.status, 201, "the gateway takes new registrations after the damaged part");
  second.child.kill("SIGKILL");
});
