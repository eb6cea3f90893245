/**
 * `kip --help` (and `kip synth --help`) must not load Pulumi: the synth command imports it inside its action. A
 * tracer preloaded into the child (`--require`) lists, at exit, every module under node_modules/@pulumi that Node
 * loaded (CommonJS cache, which also holds CommonJS packages imported from ES modules). A real synth run is the
 * control that shows the tracer does see Pulumi when it is loaded.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-lazy-");
after(tmp.cleanup);

const tracer = join(tmp.dir, "trace-pulumi.cjs");
writeFileSync(
  tracer,
  `const fs = require("node:fs");
process.on("exit", () => {
  const loaded = Object.keys(require.cache).filter((p) => p.includes("/node_modules/@pulumi/"));
  fs.writeFileSync(process.env.KIP_TRACE_OUT, JSON.stringify(loaded));
});
`,
);

async function pulumiModulesLoadedBy(args: string[], name: string): Promise<{ code: number | null; loaded: string[] }> {
  const out = join(tmp.dir, `${name}.json`);
  const run = await runKip(args, { nodeArgs: ["--require", tracer], env: { KIP_TRACE_OUT: out } });
  return { code: run.code, loaded: JSON.parse(readFileSync(out, "utf8")) };
}

describe("kip loads Pulumi only when a command needs it", () => {
  it("kip --help loads no @pulumi module", async () => {
    const r = await pulumiModulesLoadedBy(["--help"], "help");
    assert.equal(r.code, 0);
    assert.deepEqual(r.loaded, []);
  });

  it("kip synth --help loads no @pulumi module", async () => {
    const r = await pulumiModulesLoadedBy(["synth", "--help"], "synth-help");
    assert.equal(r.code, 0);
    assert.deepEqual(r.loaded, []);
  });

  it("the tracer sees Pulumi when kip synth actually runs (control)", async () => {
    const r = await pulumiModulesLoadedBy(["synth", "--out", join(tmp.dir, "out")], "synth-run");
    assert.equal(r.code, 0);
    assert.ok(
      r.loaded.some((p) => p.includes("/@pulumi/pulumi/")),
      "no @pulumi/pulumi module seen",
    );
  });
});
