/**
 * Proof of address by challenge, the part both sides share (the gateway that asks, the cluster that answers).
 *
 * A cluster behind a load balancer cannot send its registration from the address it claims, so it may prove the
 * address another way: its registration carries `proofKey`, the raw Ed25519 public key of a key only the cluster
 * holds. The gateway then sends `GET http://<ip>:<port>/.well-known/skipper-gateway/<id>?nonce=<fresh random>` with
 * the cluster's own host name, and accepts the address only if the answer (HTTP 200) is the signature, by that key,
 * of `skipper-gateway-proof/v1 \n <id> \n <nonce>`. A host the registrant does not run cannot sign with its key, an
 * echo server cannot produce a signature, an old answer does not fit a new nonce, and the path and message bind the
 * id, so one cluster's responder never vouches for another id. Nothing secret travels: the key stays in the cluster.
 *
 * Formats: keys and nonces are 32 bytes, signatures 64 bytes, all base64url without padding (43 and 86 characters).
 */
import { createPublicKey, type KeyObject, randomBytes, sign, verify } from "node:crypto";

/** The folder of the proof path; the cluster id follows it. */
export const PROOF_PATH_PREFIX = "/.well-known/skipper-gateway/";
/** The first line of every signed message: a new message format gets a new version. */
export const PROOF_MESSAGE_VERSION = "skipper-gateway-proof/v1";
/** The query parameter that carries the nonce. */
export const PROOF_NONCE_PARAM = "nonce";
/** The longest answer a gateway reads from a responder (a signature is 86 characters). */
export const PROOF_MAX_ANSWER_BYTES = 512;

/** What a `proofKey` is. */
export const PROOF_KEY_FORMAT = "the raw 32-byte Ed25519 public key in base64url without padding, 43 characters";
/** The rule a malformed `proofKey` broke. */
export const PROOF_KEY_RULE = `must be ${PROOF_KEY_FORMAT}`;

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;
const B64URL_64 = /^[A-Za-z0-9_-]{86}$/;

/** `/.well-known/skipper-gateway/<id>` */
export function proofPath(clusterId: string): string {
  return `${PROOF_PATH_PREFIX}${encodeURIComponent(clusterId)}`;
}

/** The path and query a gateway requests for one challenge. */
export function proofTarget(clusterId: string, nonce: string): string {
  return `${proofPath(clusterId)}?${PROOF_NONCE_PARAM}=${nonce}`;
}

/** The exact bytes signed for one challenge. */
export function proofMessage(clusterId: string, nonce: string): Buffer {
  return Buffer.from(`${PROOF_MESSAGE_VERSION}\n${clusterId}\n${nonce}`, "utf8");
}

/** 32 fresh random bytes, base64url. */
export function newNonce(): string {
  return randomBytes(32).toString("base64url");
}

/** Exactly `bytes` bytes in canonical base64url (re-encoding gives the same text: no stray low bits). */
function isCanonical(text: string, shape: RegExp, bytes: number): boolean {
  if (!shape.test(text)) return false;
  const raw = Buffer.from(text, "base64url");
  return raw.length === bytes && raw.toString("base64url") === text;
}

export function isNonce(value: unknown): value is string {
  return typeof value === "string" && isCanonical(value, B64URL_32, 32);
}

export function isSignature(value: unknown): value is string {
  return typeof value === "string" && isCanonical(value, B64URL_64, 64);
}

/** Undefined when `value` is a usable proof key, else what is wrong with it (for a 400 naming the field). */
export function proofKeyProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || !isCanonical(value, B64URL_32, 32)) return PROOF_KEY_RULE;
  try {
    publicKeyFromRaw(value);
  } catch {
    return "is not a valid Ed25519 public key";
  }
  return undefined;
}

/** The public key object of a raw base64url Ed25519 key (throws when it is not one). */
export function publicKeyFromRaw(proofKey: string): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: proofKey }, format: "jwk" });
}

/** The answer to one challenge: the base64url signature of its message. */
export function signProof(privateKey: KeyObject | string, clusterId: string, nonce: string): string {
  return sign(null, proofMessage(clusterId, nonce), privateKey).toString("base64url");
}

/** Does `signature` (an answer, trimmed) sign this challenge with the key `proofKey`? Never throws. */
export function verifyProof(proofKey: string, clusterId: string, nonce: string, signature: string): boolean {
  if (!isSignature(signature)) return false;
  try {
    return verify(
      null,
      proofMessage(clusterId, nonce),
      publicKeyFromRaw(proofKey),
      Buffer.from(signature, "base64url"),
    );
  } catch {
    return false;
  }
}
