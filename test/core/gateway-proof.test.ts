/**
 * The shared definitions of proof of address by challenge (core/gateway-proof.ts) and the derived key
 * (core/ed25519-key.ts): strict formats, a versioned message bound to id and nonce, verification that never throws.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { rawPublicKey, signingKeyPem } from "../../core/ed25519-key.ts";
import {
  isNonce,
  isSignature,
  newNonce,
  proofKeyProblem,
  proofMessage,
  proofPath,
  proofTarget,
  signProof,
  verifyProof,
} from "../../core/gateway-proof.ts";

const pem = signingKeyPem("s".repeat(64));
const key = rawPublicKey(pem);

test("path, target and message: fixed, versioned, naming the id and the nonce", () => {
  assert.equal(proofPath("acme"), "/.well-known/skipper-gateway/acme");
  const nonce = newNonce();
  assert.equal(proofTarget("acme", nonce), `/.well-known/skipper-gateway/acme?nonce=${nonce}`);
  assert.equal(proofMessage("acme", nonce).toString(), `skipper-gateway-proof/v1\nacme\n${nonce}`);
  assert.ok(isNonce(nonce));
  assert.notEqual(newNonce(), nonce);
});

test("a derived key: same secret, same key; its raw public half is a valid proofKey", () => {
  assert.equal(rawPublicKey(signingKeyPem("s".repeat(64))), key);
  assert.notEqual(rawPublicKey(signingKeyPem("t".repeat(64))), key);
  assert.equal(proofKeyProblem(key), undefined);
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" });
  assert.throws(() => rawPublicKey(String(rsa)), /expected an Ed25519 key, got rsa/);
});

test("formats are strict: exact length, base64url alphabet, canonical last character", () => {
  const raw = Buffer.from(key, "base64url");
  for (const bad of [
    "",
    key.slice(1),
    `${key}A`,
    raw.toString("base64"),
    `${key.slice(0, 42)}B`, // low bits set in the last character: not what an encoder writes
    `${key.slice(0, 42)}+`,
    ` ${key.slice(1)}`,
    42,
    null,
  ]) {
    assert.match(String(proofKeyProblem(bad)), /base64url/, JSON.stringify(bad));
    assert.equal(isNonce(bad), false, JSON.stringify(bad));
  }
  const sig = signProof(pem, "acme", newNonce());
  assert.ok(isSignature(sig));
  assert.equal(isSignature(`${sig}=`), false);
  assert.equal(isSignature(sig.slice(1)), false);
});

test("verification: only the key's signature of this id and nonce passes, and garbage never throws", () => {
  const other = rawPublicKey(signingKeyPem("o".repeat(64)));
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ maxLength: 200 }), (nonceBytes, junk) => {
      const nonce = Buffer.from(nonceBytes).toString("base64url");
      const sig = signProof(pem, "acme", nonce);
      assert.equal(verifyProof(key, "acme", nonce, sig), true);
      assert.equal(verifyProof(other, "acme", nonce, sig), false);
      assert.equal(verifyProof(key, "acme-2", nonce, sig), false);
      assert.equal(verifyProof(key, "acme", newNonce(), sig), false);
      assert.equal(verifyProof(key, "acme", nonce, junk), false);
      assert.equal(verifyProof(junk, "acme", nonce, sig), junk === key);
    }),
    { seed: 4242, numRuns: 200 },
  );
});
