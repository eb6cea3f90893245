/**
 * `kip --help` and the help of `kip init`, `kip app` and `kip service` load none of the heavy modules those commands
 * use (ts-morph and its TypeScript, the prompts library, the AI SDKs): they are imported inside the actions. A
 * resolve hook preloaded into the child records every module URL Node resolves (ES modules and CommonJS alike);
 * running the commands for real is the control that shows the hook does see those modules when they load.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { REPO, runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-init-lazy-");
after(tmp.cleanup);

const hook = join(tmp.dir, "trace-modules.mjs");
writeFileSync(
  hook,
  `import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    seen.add(r.url);
    return r;
  },
});
process.on("exit", () => writeFileSync(process.env.KIP_TRACE_OUT, JSON.stringify([...seen])));
`,
);

const HEAVY = /\/node_modules\/(ts-morph|@ts-morph|@inquirer|openai|@anthropic-ai)\//;

async function heavyLoadedBy(args: string[], name: string, env: Record<string, string> = {}): Promise<string[]> {
  const out = join(tmp.dir, `${name}.json`);
  await runKip(args, { nodeArgs: ["--import", hook], env: { KIP_TRACE_OUT: out, ...env }, cwd: tmp.dir });
  const urls = JSON.parse(readFileSync(out, "utf8")) as string[];
  return [...new Set(urls.filter((u) => HEAVY.test(u)).map((u) => HEAVY.exec(u)![1]!))].sort();
}

describe("kip init / app / service load their heavy modules only when they run", () => {
  for (const args of [
    ["--help"],
    ["init", "--help"],
    ["app", "--help"],
    ["app", "add", "--help"],
    ["service", "add", "--help"],
  ]) {
    it(`kip ${args.join(" ")} loads none of ts-morph, @inquirer, openai, @anthropic-ai`, async () => {
      assert.deepEqual(await heavyLoadedBy(args, args.join("-")), []);
    });
  }

  it("control: the hook sees ts-morph when kip app list runs, and the AI SDK when --prompt runs", async () => {
    const listed = await heavyLoadedBy(["app", "list", "--file", join(REPO, "stacks", "skipper.ts")], "app-list");
    assert.ok(listed.includes("ts-morph"), `saw ${listed.join(", ")}`);
    const prompted = await heavyLoadedBy(
      [
        "init",
        join(tmp.dir, "p"),
        "--yes",
        "--host",
        "203.0.113.10",
        "--gateway",
        "skipper.run",
        "--prompt",
        "x",
        "--ai-timeout",
        "1",
      ],
      "prompt",
      { KIP_AI_PROVIDER: "anthropic", KIP_AI_BASE_URL: "http://127.0.0.1:9", KIP_AI_API_KEY: "k" },
    );
    assert.ok(prompted.includes("@anthropic-ai") && !prompted.includes("openai"), `saw ${prompted.join(", ")}`);
  });
});
