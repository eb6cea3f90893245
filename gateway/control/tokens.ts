/**
 * Cluster tokens: 32 random bytes, given to the client once (base64url, 43 characters). Only their SHA-256 is kept,
 * in memory and on disk, and a presented token is checked by hashing it and comparing the hashes in constant time.
 * A hash of a 256-bit random secret needs no salt or slow KDF: there is nothing to guess.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** Constant-time check of `token` against a stored hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const presented = createHash("sha256").update(token).digest();
  const stored = Buffer.from(storedHash, "base64url");
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** Constant-time comparison of two secrets of any length (the admin token). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

export type Bearer =
  | { readonly kind: "missing" }
  | { readonly kind: "malformed" }
  | { readonly kind: "token"; readonly token: string };

/** Read `Authorization: Bearer <token>`. A cluster token has a fixed shape; anything else is malformed. */
export function readBearer(header: string | undefined): Bearer {
  if (header === undefined || header === "") return { kind: "missing" };
  const m = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!m) return { kind: "malformed" };
  return { kind: "token", token: m[1]! };
}

/** True when `token` has the shape of a cluster token (cheap pre-check before hashing). */
export function looksLikeClusterToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
