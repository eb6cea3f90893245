/**
 * The proof responder (gateway/proof) over real HTTP on loopback: it signs the gateway's nonce for its own cluster id
 * only, the signature verifies with the shared helper, and everything else is refused without a signature.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { isSignature, newNonce, proofPath, proofTarget, verifyProof } from "../../core/gateway-proof.ts";
import { responderSettings } from "../../gateway/proof/main.ts";
import { type Listening, seededKey, startResponder, type TestKey } from "./proof-support.ts";
import { seededRandom } from "./seeded-random.ts";

function get(l: Listening, path: string, method = "GET"): Promise<{ status: number; text: string; allow?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: l.host, port: l.port, path, method, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          text,
          ...(res.headers.allow === undefined ? {} : { allow: res.headers.allow }),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("proof responder", () => {
  const rng = seededRandom("proof responder keys");
  let key: TestKey;
  let other: TestKey;
  let l: Listening;
  before(async () => {
    key = seededKey(rng);
    other = seededKey(rng);
    l = await startResponder("acme", key, "127.0.0.1");
  });
  after(() => l.close());

  test("signs a fresh nonce for its own id; the signature verifies with the shared helper and only for that key, id and nonce", async () => {
    const nonce = newNonce();
    const r = await get(l, proofTarget("acme", nonce));
    assert.equal(r.status, 200, r.text);
    assert.ok(isSignature(r.text), `a bare 86-character base64url signature: ${r.text}`);
    assert.equal(verifyProof(key.proofKey, "acme", nonce, r.text), true);
    assert.equal(verifyProof(other.proofKey, "acme", nonce, r.text), false, "another key");
    assert.equal(verifyProof(key.proofKey, "acme2", nonce, r.text), false, "another id");
    assert.equal(verifyProof(key.proofKey, "acme", newNonce(), r.text), false, "another nonce");
    const again = await get(l, proofTarget("acme", nonce));
    assert.equal(again.text, r.text, "Ed25519 is deterministic: same challenge, same answer");
  });

  test("refuses other ids, paths, methods and malformed nonces without signing anything", async () => {
    const nonce = newNonce();
    const cases: [string, string, number][] = [
      ["GET", proofTarget("other", nonce), 404],
      ["GET", `${proofPath("acme")}/x?nonce=${nonce}`, 404],
      ["GET", `/.well-known/skipper-gateway/?nonce=${nonce}`, 404],
      ["GET", `/?nonce=${nonce}`, 404],
      ["POST", proofTarget("acme", nonce), 405],
      ["PUT", proofTarget("acme", nonce), 405],
      ["GET", proofPath("acme"), 400],
      ["GET", `${proofPath("acme")}?nonce=`, 400],
      ["GET", `${proofPath("acme")}?nonce=${nonce.slice(1)}`, 400],
      ["GET", `${proofPath("acme")}?nonce=${nonce}x`, 400],
      ["GET", `${proofPath("acme")}?nonce=${nonce.slice(0, 42)}B`, 400], // a non-canonical final character
      ["GET", `${proofPath("acme")}?nonce=${"!".repeat(43)}`, 400],
      ["GET", `${proofPath("acme")}?nonce=${nonce}&nonce=${nonce}`, 400],
      ["GET", `${proofPath("acme")}?nonce=${nonce}&id=other`, 400],
    ];
    for (const [method, path, status] of cases) {
      const r = await get(l, path, method);
      assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
      assert.ok(!isSignature(r.text.trim()), `${method} ${path} answered no signature`);
    }
    assert.equal((await get(l, proofTarget("acme", nonce), "POST")).allow, "GET");
  });

  test("serves /healthz for probes", async () => {
    const r = await get(l, "/healthz");
    assert.equal(r.status, 200);
    assert.equal(r.text, "ok\n");
  });
});

describe("proof responder settings", () => {
  test("read from the environment; each problem names its variable", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { generateKeyPairSync } = await import("node:crypto");
    const dir = mkdtempSync(join(tmpdir(), "skipper-proof-"));
    try {
      const key = seededKey(seededRandom("proof responder settings"));
      const file = join(dir, "key.pem");
      writeFileSync(file, key.pem);
      const s = responderSettings({ SKIPPER_CLUSTER_ID: "acme", SKIPPER_PROOF_KEY_FILE: file, PORT: "9000" });
      assert.equal(s.proofKey, key.proofKey);
      assert.equal(s.port, 9000);
      assert.equal(responderSettings({ SKIPPER_CLUSTER_ID: "203-0-113-10", SKIPPER_PROOF_KEY_FILE: file }).port, 8080);
      assert.throws(() => responderSettings({ SKIPPER_PROOF_KEY_FILE: file }), /^Error: SKIPPER_CLUSTER_ID is not set/);
      assert.throws(
        () => responderSettings({ SKIPPER_CLUSTER_ID: "Not_A_Label", SKIPPER_PROOF_KEY_FILE: file }),
        /^Error: SKIPPER_CLUSTER_ID: /,
      );
      assert.throws(() => responderSettings({ SKIPPER_CLUSTER_ID: "acme" }), /SKIPPER_PROOF_KEY_FILE is not set/);
      assert.throws(
        () => responderSettings({ SKIPPER_CLUSTER_ID: "acme", SKIPPER_PROOF_KEY_FILE: join(dir, "missing.pem") }),
        /SKIPPER_PROOF_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)/,
      );
      const rsa = join(dir, "rsa.pem");
      writeFileSync(
        rsa,
        generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }),
      );
      assert.throws(
        () => responderSettings({ SKIPPER_CLUSTER_ID: "acme", SKIPPER_PROOF_KEY_FILE: rsa }),
        /is not a PKCS #8 PEM Ed25519 private key \(expected an Ed25519 key, got rsa\)/,
      );
      assert.throws(
        () => responderSettings({ SKIPPER_CLUSTER_ID: "acme", SKIPPER_PROOF_KEY_FILE: file, PORT: "80a" }),
        /^Error: PORT: "80a" must be a whole number/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
