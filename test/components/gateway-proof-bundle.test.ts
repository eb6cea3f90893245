/**
 * The proof responder as it ships: `gateway/proof/main.ts` bundled by esbuild into one file that imports only Node's
 * built-ins, run with plain `node` (as the pinned Node image runs it from the ConfigMap) and configured by the
 * environment the Deployment sets. It answers a real challenge, refuses bad settings with exit code 2 naming the
 * variable, and stops cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { proofResponderBundle } from "../../components/gateway-registration.ts";
import { newNonce, proofTarget, verifyProof } from "../../core/gateway-proof.ts";
import { CONFIGMAP_MAX_BYTES } from "../../core/render/code-bundle.ts";
import { closedPort, seededKey } from "../gateway/proof-support.ts";
import { seededRandom } from "../gateway/seeded-random.ts";
import { spawnCollected } from "../support/child.ts";

let work: string;
let file: string;
let keyFile: string;
const key = seededKey(seededRandom("proof bundle key"));

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), "skipper-proof-bundle-"));
  const bundle = proofResponderBundle();
  file = path.join(work, bundle.fileName);
  keyFile = path.join(work, "key.pem");
  await writeFile(file, bundle.code);
  await writeFile(keyFile, key.pem, { mode: 0o440 });
});
after(() => rm(work, { recursive: true, force: true }));

/** Run the bundle with `env`; resolves with its output once `until` appears in stdout, or once it exits. */
function start(env: Record<string, string>, until?: RegExp) {
  const { child, exited, out, err } = spawnCollected(process.execPath, [file], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
  });
  const ready = new Promise<void>((resolve, reject) => {
    if (!until) return resolve();
    child.stdout?.on("data", () => {
      if (until.test(out())) resolve();
    });
    void exited.then((code) => reject(new Error(`exited (${code}) before it was ready: ${out()}${err()}`)));
  });
  return { child, exited, ready, output: () => ({ stdout: out(), stderr: err() }) };
}

function get(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: target, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the bundled proof responder", () => {
  it("is one small ES module that imports only Node's built-ins", () => {
    const bundle = proofResponderBundle();
    assert.ok(bundle.bytes < CONFIGMAP_MAX_BYTES / 100, `${bundle.bytes} bytes`);
    const specifiers = [...bundle.code.matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]);
    assert.ok(specifiers.length > 0);
    for (const s of specifiers) assert.match(String(s), /^node:/, `imports ${s}`);
  });

  it("runs with plain node, answers a challenge the gateway can verify, and stops on SIGTERM", async () => {
    const port = await closedPort("127.0.0.1");
    const run = start(
      { PORT: String(port), SKIPPER_CLUSTER_ID: "acme", SKIPPER_PROOF_KEY_FILE: keyFile },
      /answering for cluster acme/,
    );
    await run.ready;
    assert.match(run.output().stdout, new RegExp(`on port ${port} \\(proofKey ${key.proofKey}\\)`));
    const nonce = newNonce();
    const r = await get(port, proofTarget("acme", nonce));
    assert.equal(r.status, 200);
    assert.equal(verifyProof(key.proofKey, "acme", nonce, r.text.trim()), true);
    assert.equal((await get(port, "/healthz")).status, 200);
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0);
    assert.ok(!run.output().stdout.includes(nonce), "requests are not logged");
  });

  it("refuses bad settings with exit code 2 and the variable's name", async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ SKIPPER_PROOF_KEY_FILE: keyFile }, /SKIPPER_CLUSTER_ID is not set/],
      [{ SKIPPER_CLUSTER_ID: "acme", SKIPPER_PROOF_KEY_FILE: path.join(work, "nope.pem") }, /cannot read .*\(ENOENT\)/],
      [{ SKIPPER_CLUSTER_ID: "acme", SKIPPER_PROOF_KEY_FILE: keyFile, PORT: "http" }, /PORT: "http"/],
    ];
    for (const [env, message] of cases) {
      const run = start(env);
      assert.equal(await run.exited, 2);
      assert.match(run.output().stderr, message);
      assert.ok(!run.output().stderr.includes("BEGIN PRIVATE KEY"));
    }
  });
});
