import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "../../gateway/registry/registry.ts";
import { sampleRecord, tempDataPath } from "./registry-helpers.ts";

const N = 100_000;

test(`restart with ${N} registrations, from the log alone and from a snapshot`, async (t) => {
  const path = tempDataPath(t);
  const reg = Registry.open(path, { compactMinBytes: Number.MAX_SAFE_INTEGER });
  await Promise.all(Array.from({ length: N }, (_, i) => reg.put(sampleRecord(i))));
  await reg.close();

  const fromLog = Registry.open(path);
  assert.equal(fromLog.size, N);
  assert.equal(fromLog.report.entriesReplayed, N);
  await fromLog.compactNow();
  await fromLog.close();

  const fromSnapshot = Registry.open(path);
  t.after(() => fromSnapshot.close());
  assert.equal(fromSnapshot.size, N);
  assert.equal(fromSnapshot.report.entriesReplayed, 0);
  for (const i of [0, 1, 4242, N - 1]) assert.deepEqual(fromSnapshot.get(`c${i}`), sampleRecord(i));
  // Figures, not assertions: bench/gateway-registry.ts measures the < 1 s target on a quiet machine.
  t.diagnostic(`load ${N} from log: ${fromLog.report.millis.toFixed(0)} ms`);
  t.diagnostic(`load ${N} from snapshot: ${fromSnapshot.report.millis.toFixed(0)} ms`);
});
