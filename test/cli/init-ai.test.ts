/**
 * `kip init --prompt` against the stand-in model server (init-ai-standin.ts, the only test double), over both
 * protocols: a valid answer becomes the stack; an invalid one is sent back with the validator's errors and the repair
 * is used; prose is sent back as "not JSON"; hostile strings stay data; a value the validator refuses is refused
 * after two repair rounds, never fixed; a hung model fails within the timeout; no provider configured explains the
 * set-up; and the API key never appears in kip's output or in a written file.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { StackFile } from "../../cli/codegen/stack-edit.ts";
import { HOSTILE_VALUES, type StandIn, startStandIn } from "./init-ai-standin.ts";
import { readTree, runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-ai-");
const API_KEY = "sk-test-KIPAI-3b9e71";
let standIn: StandIn;
before(async () => {
  standIn = await startStandIn();
});
after(async () => {
  await standIn.close();
  tmp.cleanup();
});

const PROMPT = "a Rails app with Postgres and Redis, and a Sidekiq worker";
const BASE = ["--yes", "--host", "203.0.113.10", "--gateway", "skipper.run"];

function env(protocol: "openai" | "anthropic", model: string): Record<string, string> {
  return {
    KIP_AI_PROVIDER: protocol,
    KIP_AI_BASE_URL: protocol === "openai" ? `${standIn.url}/v1` : standIn.url,
    KIP_AI_API_KEY: API_KEY,
    KIP_AI_MODEL: model,
  };
}

async function init(protocol: "openai" | "anthropic", model: string, extra: string[] = []) {
  const dir = join(tmp.dir, `${protocol}-${model}`);
  const r = await runKip(["init", dir, ...BASE, "--prompt", PROMPT, ...extra], {
    cwd: tmp.dir,
    env: env(protocol, model),
  });
  assert.ok(!`${r.stdout}${r.stderr}`.includes(API_KEY), "the API key was printed");
  if (existsSync(dir))
    for (const [p, text] of readTree(dir)) assert.ok(!text.includes(API_KEY), `${p} holds the API key`);
  return { ...r, dir, sent: standIn.requests.filter((q) => q.protocol === protocol && q.model === model) };
}

function systemOf(req: { protocol: string; body: Record<string, unknown> }): string {
  if (req.protocol === "anthropic") return String(req.body["system"]);
  const messages = req.body["messages"] as { role: string; content: string }[];
  return messages.find((m) => m.role === "system")!.content;
}

function lastUser(req: { body: Record<string, unknown> }): string {
  const messages = req.body["messages"] as { role: string; content: string }[];
  return messages.filter((m) => m.role === "user").at(-1)!.content;
}

for (const protocol of ["openai", "anthropic"] as const) {
  describe(`kip init --prompt over ${protocol}`, () => {
    it("a valid answer becomes the stack, with the JSON Schema and the key sent to the model", async () => {
      const r = await init(protocol, "valid");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.sent.length, 1);
      const system = systemOf(r.sent[0]!);
      assert.match(system, /"\$schema":"https:\/\/json-schema\.org\/draft\/2020-12\/schema"/);
      assert.ok(!system.includes('"cluster"'), "the schema sent still asks for the cluster");
      assert.equal(lastUser(r.sent[0]!), PROMPT);
      // The key travels only in the credential header (the Anthropic SDK sends it as a bearer token too).
      assert.ok(
        [API_KEY, `Bearer ${API_KEY}`].includes(r.sent[0]!.credential ?? ""),
        JSON.stringify(r.sent[0]!.credential),
      );
      assert.ok(!JSON.stringify(r.sent[0]!.body).includes(API_KEY));
      const stack = new StackFile(readFileSync(join(r.dir, "skipper.ts"), "utf8"));
      assert.deepEqual(
        stack.entries("apps").map((e) => e.name),
        ["web", "sidekiq"],
      );
      assert.deepEqual(
        stack.entries("services").map((e) => e.name),
        ["db", "redis"],
      );
      assert.deepEqual(stack.hosts(), [{ address: "203.0.113.10", user: "root" }]);
      assert.deepEqual(stack.literal("domain"), { gateway: "skipper.run" });
    });

    it("an invalid answer goes back with the validator's errors; the repair is used", async () => {
      const r = await init(protocol, "repair");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.sent.length, 2);
      assert.match(lastUser(r.sent[1]!), /apps\.web\.port: .*70000/);
      const web = new StackFile(readFileSync(join(r.dir, "skipper.ts"), "utf8"))
        .entries("apps")
        .find((e) => e.name === "web");
      assert.equal(web?.value["port"], 3000);
    });

    it("an answer that is not JSON is sent back as such", async () => {
      const r = await init(protocol, "notjson");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.sent.length, 2);
      assert.match(lastUser(r.sent[1]!), /not JSON/);
    });

    it("hostile strings are written as data; the model's cluster is ignored", async () => {
      const r = await init(protocol, "hostile-env");
      assert.equal(r.code, 0, r.stderr);
      const text = readFileSync(join(r.dir, "skipper.ts"), "utf8");
      const stack = new StackFile(text);
      assert.equal(stack.source.getStatements().length, 2, "only the import and the default export");
      assert.deepEqual(Object.values(stack.entries("apps")[0]!.value["env"] as object), HOSTILE_VALUES);
      assert.deepEqual(stack.hosts(), [{ address: "203.0.113.10", user: "root" }]);
      assert.ok(!text.includes("198.51.100.66"));
      assert.match(r.stderr, /ignored the model's `cluster`/);
    });

    it("an image the validator refuses is refused after two repair rounds, not fixed; nothing written", async () => {
      const r = await init(protocol, "hostile-image");
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.sent.length, 3);
      assert.match(r.stderr, /after 2 repair rounds[\s\S]*apps\.web\.image/);
      assert.equal(existsSync(r.dir), false);
    });

    it("a model that never answers fails within --ai-timeout (exit 1); nothing written", async () => {
      const started = Date.now();
      const r = await init(protocol, "timeout", ["--ai-timeout", "2"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /no answer in time/);
      assert.ok(Date.now() - started < 50_000);
      assert.equal(existsSync(r.dir), false);
    });
  });
}

describe("kip init --prompt without a provider", () => {
  it("explains how to configure one (exit 2), nothing written", async () => {
    const dir = join(tmp.dir, "none");
    const r = await runKip(["init", dir, ...BASE, "--prompt", PROMPT], {
      cwd: tmp.dir,
      env: { KIP_AI_PROVIDER: "", KIP_AI_BASE_URL: "", KIP_AI_API_KEY: "", KIP_AI_MODEL: "" },
    });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /none is configured[\s\S]*KIP_AI_PROVIDER=openai[\s\S]*KIP_AI_BASE_URL=http:\/\/127\.0\.0\.1:11434\/v1/,
    );
    assert.equal(existsSync(dir), false);
  });
});
