/**
 * Ed25519 keys derived from a generated secret string, so a stack can hold a private key without a key-making provider
 * plugin: `@pulumi/random` makes the string, this turns it into a key, the same string always giving the same key.
 * Used for the console's token signing key and for the key a cluster proves its gateway address with.
 */
import { createHash, createPublicKey } from "node:crypto";

/** PKCS #8 PrivateKeyInfo header for Ed25519 (RFC 8410); the 32-byte seed follows as an OCTET STRING. */
const PKCS8_ED25519_HEADER = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * The Ed25519 private key (PKCS #8 PEM, what `crypto.createPrivateKey` and `jose.importPKCS8(pem, "EdDSA")` read) whose
 * 32-byte seed is the SHA-256 of `secret`. Fed a generated 64-character random string, the key is as random as that
 * string and stays the same for as long as the string does.
 */
export function signingKeyPem(secret: string): string {
  if (secret.length < 32) throw new Error("the signing key secret must have at least 32 characters");
  const seed = createHash("sha256").update(secret, "utf8").digest();
  const body = Buffer.concat([PKCS8_ED25519_HEADER, seed]).toString("base64");
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

/** The raw 32-byte public key of an Ed25519 private key (PEM), as base64url (43 characters). */
export function rawPublicKey(privateKeyPem: string): string {
  const key = createPublicKey(privateKeyPem);
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? "an unknown key type"}`);
  }
  const jwk = key.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new Error("the Ed25519 key has no public part");
  return jwk.x;
}
