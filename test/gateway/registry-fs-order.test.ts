/**
 * Durability as an order of events. `kill -9` keeps the page cache, so a crash test cannot tell a missing fsync; these
 * tests give the store a file system that records every write, sync, rename and removal (and sometimes delays or
 * shortens them, at seeded random), and check that:
 * - no change is acknowledged before a sync that covers its bytes,
 * - a compaction renames its snapshot only after syncing it, and removes old logs only after the rename is durable,
 * - a failed sync fails the waiting changes and every later one, and is reported once.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { test } from "node:test";
import { type DurableFs, nodeDurableFs } from "../../gateway/registry/durable-fs.ts";
import { encodeEntry } from "../../gateway/registry/log-codec.ts";
import type { RegistryOp } from "../../gateway/registry/record.ts";
import { Registry } from "../../gateway/registry/registry.ts";
import { sampleRecord, tempDataPath } from "./registry-helpers.ts";
import { type SeededRandom, seededRandom } from "./seeded-random.ts";

type Event =
  | { readonly kind: "open"; readonly fd: number; readonly path: string }
  | { readonly kind: "write"; readonly fd: number; readonly bytes: number }
  | { readonly kind: "fdatasync" | "fsync" | "close"; readonly fd: number }
  | { readonly kind: "rename"; readonly from: string; readonly to: string }
  | { readonly kind: "remove"; readonly path: string };

interface Shadow {
  readonly chunks: Buffer[];
  written: number;
  synced: number;
  path?: string;
}

/** Node's file system, recording what happens and keeping a copy of what was written and what was synced per fd. */
function recordingFs(random: SeededRandom, overrides: Partial<DurableFs> = {}) {
  const events: Event[] = [];
  const shadows = new Map<number, Shadow>();
  const shadow = (fd: number) => {
    let s = shadows.get(fd);
    if (!s) {
      s = { chunks: [], written: 0, synced: 0 };
      shadows.set(fd, s);
    }
    return s;
  };
  const jitter = async () => {
    if (random.below(4) === 0) await new Promise((r) => setTimeout(r, random.below(3)));
  };
  const real = { ...nodeDurableFs, ...overrides };
  const fs: DurableFs = {
    async open(path, flags, mode) {
      const fd = await real.open(path, flags, mode);
      shadows.set(fd, { chunks: [], written: 0, synced: 0, path });
      events.push({ kind: "open", fd, path });
      return fd;
    },
    async write(fd, buf, offset, length) {
      await jitter();
      // Sometimes write(2) writes less than asked: the store must go on with the rest.
      const ask = random.below(5) === 0 ? 1 + random.below(length) : length;
      const n = await real.write(fd, buf, offset, ask);
      const s = shadow(fd);
      s.chunks.push(Buffer.from(buf.subarray(offset, offset + n)));
      s.written += n;
      events.push({ kind: "write", fd, bytes: n });
      return n;
    },
    async fdatasync(fd) {
      const before = shadow(fd).written;
      await jitter();
      await real.fdatasync(fd);
      shadow(fd).synced = before;
      events.push({ kind: "fdatasync", fd });
    },
    async fsync(fd) {
      const before = shadow(fd).written;
      await real.fsync(fd);
      shadow(fd).synced = before;
      events.push({ kind: "fsync", fd });
    },
    async close(fd) {
      await real.close(fd);
      events.push({ kind: "close", fd });
    },
    async rename(from, to) {
      await real.rename(from, to);
      events.push({ kind: "rename", from, to });
    },
    async remove(path) {
      await real.remove(path);
      events.push({ kind: "remove", path });
    },
  };
  /** True when `op`'s log line lies in the synced part of some file written through this fs. */
  const synced = (op: RegistryOp) => {
    const line = encodeEntry(op);
    for (const s of shadows.values()) {
      if (Buffer.concat(s.chunks).subarray(0, s.synced).includes(line)) return true;
    }
    return false;
  };
  return { fs, events, synced, shadows };
}

test("no change is acknowledged before a sync that covers it (group commits, short writes, compactions)", async (t) => {
  const random = seededRandom("registry ack order");
  const path = tempDataPath(t);
  const rec = recordingFs(random);
  const reg = Registry.open(path, { fs: rec.fs, compactMinBytes: 8 * 1024, compactRatio: 1 });
  let acks = 0;
  const premature: string[] = [];
  const acknowledge = (op: RegistryOp) => () => {
    acks++;
    if (!rec.synced(op)) premature.push(JSON.stringify(op));
  };
  for (let wave = 0; wave < 30; wave++) {
    const pending: Promise<void>[] = [];
    for (let i = random.below(40); i >= 0; i--) {
      const n = random.below(200);
      if (random.below(6) === 0 && reg.get(`c${n}`)) {
        pending.push(reg.delete(`c${n}`).then(acknowledge({ del: `c${n}` })));
      } else {
        const record = sampleRecord(n, 1_700_000_000_000 + wave * 1000 + i);
        pending.push(reg.put(record).then(acknowledge({ put: record })));
      }
    }
    await Promise.all(pending);
  }
  await reg.close();
  const syncs = rec.events.filter((e) => e.kind === "fdatasync").length;
  process.stdout.write(`# ${acks} acknowledgements, ${syncs} log syncs, ${reg.compactions} compactions\n`);
  assert.deepEqual(premature, [], "acknowledged before a sync covered them");
  assert.ok(acks > 300, `${acks} changes`);
  assert.ok(syncs < acks, "group commit: fewer syncs than acknowledgements");
  assert.ok(reg.compactions >= 1, "the run compacted at least once");
});

test("a compaction syncs its snapshot before the rename, and removes old logs only after the rename is durable", async (t) => {
  const random = seededRandom("registry compaction order");
  const path = tempDataPath(t);
  const rec = recordingFs(random);
  const reg = Registry.open(path, { fs: rec.fs });
  for (let i = 0; i < 50; i++) await reg.put(sampleRecord(i));
  await reg.compactNow();
  await reg.put(sampleRecord(50));
  await reg.compactNow();
  await reg.close();
  const e = rec.events;
  const renames = e.flatMap((x, i) => (x.kind === "rename" ? [i] : []));
  assert.equal(renames.length, 2);
  for (const r of renames) {
    const rename = e[r] as Extract<Event, { kind: "rename" }>;
    assert.equal(rename.from, `${path}.tmp`);
    assert.equal(rename.to, path);
    // The temporary file: opened, written, synced (after its last write), closed, then renamed.
    const open = e.findLastIndex((x, i) => i < r && x.kind === "open" && x.path === rename.from);
    assert.ok(open >= 0, "the snapshot was written through the store's file system");
    const fd = (e[open] as Extract<Event, { kind: "open" }>).fd;
    const lastWrite = e.findLastIndex((x, i) => i < r && x.kind === "write" && x.fd === fd);
    const sync = e.findIndex((x, i) => i > lastWrite && i < r && x.kind === "fsync" && x.fd === fd);
    assert.ok(lastWrite > open && sync > lastWrite, `snapshot synced after its last write, before the rename`);
    // The directory is synced after the rename, and only then are old logs removed.
    const dirFd = e.findIndex((x, i) => i > r && x.kind === "open" && x.path === dirname(path));
    const dirSync = e.findIndex(
      (x, i) => i > dirFd && x.kind === "fsync" && x.fd === (e[dirFd] as Extract<Event, { kind: "open" }>).fd,
    );
    const firstRemove = e.findIndex((x, i) => i > r && x.kind === "remove");
    assert.ok(dirSync > r, "the directory is synced after the rename");
    assert.ok(firstRemove > dirSync, "old logs are removed after the rename is durable");
  }
  const reopened = Registry.open(path);
  t.after(() => reopened.close());
  assert.equal(reopened.size, 51);
});

test("a failed sync fails the changes waiting on it and every later one, and is reported once", async (t) => {
  const random = seededRandom("registry failing sync");
  const path = tempDataPath(t);
  let syncs = 0;
  const failAt = 2 + random.below(5);
  const rec = recordingFs(random, {
    fdatasync: async (fd) => {
      if (++syncs === failAt) throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
      await nodeDurableFs.fdatasync(fd);
    },
  });
  const fatal: Error[] = [];
  const reg = Registry.open(path, { fs: rec.fs, onFatal: (err) => fatal.push(err) });
  const outcomes: Array<"ack" | "refused"> = [];
  let i = 0;
  while (!outcomes.includes("refused") && i < 100) {
    const batch = Array.from({ length: 1 + random.below(3) }, () => reg.put(sampleRecord(i++)));
    for (const r of await Promise.allSettled(batch)) outcomes.push(r.status === "fulfilled" ? "ack" : "refused");
  }
  assert.ok(outcomes.includes("refused"), `sync ${failAt} failed`);
  await assert.rejects(reg.put(sampleRecord(1000)), /write failed, refusing further writes: EIO/);
  assert.equal(fatal.length, 1);
  assert.match(fatal[0]!.message, new RegExp(`registry store ${path}: write failed`));
  for (const op of outcomes.flatMap((o, n) => (o === "ack" ? [{ put: sampleRecord(n) }] : []))) {
    assert.ok(rec.synced(op), "every acknowledged change was synced before the failure");
  }
});
