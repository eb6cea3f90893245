/**
 * Child process for registry-compaction.test.ts: fills a registry, starts a compaction and kills itself with SIGKILL
 * at the compaction step named in argv[3], while more writes are in flight. Prints `ack <id> <lastSeen>` for every
 * write that was acknowledged (durable), so the parent can check that each one survived.
 */
import { Registry } from "../../gateway/registry/registry.ts";
import { sampleRecord } from "./registry-helpers.ts";

const [path, crashAt] = process.argv.slice(2) as [string, string];
const ack = (id: string, lastSeen: number) => process.stdout.write(`ack ${id} ${lastSeen}\n`);

let inFlight: Array<Promise<unknown>> = [];
const reg = Registry.open(path, {
  compactMinBytes: Number.MAX_SAFE_INTEGER, // only the explicit compaction below
  onCompactionStep: async (step) => {
    // Keep writing during every step, so acknowledged writes race the compaction.
    for (let i = 0; i < 20; i++) {
      const rec = sampleRecord(1000 + i, Date.now() + i);
      inFlight.push(reg.put(rec).then(() => ack(rec.id, rec.lastSeen)));
    }
    await Promise.all(inFlight);
    inFlight = [];
    if (step === crashAt) process.kill(process.pid, "SIGKILL");
  },
});
for (let i = 0; i < 300; i++) {
  const rec = sampleRecord(i % 120, i);
  await reg.put(rec);
  ack(rec.id, rec.lastSeen);
}
await reg.delete("c5");
process.stdout.write("ack-del c5\n");
await reg.compactNow();
process.stdout.write("compacted\n");
await reg.close();
