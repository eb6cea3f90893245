/**
 * Password hashing with argon2id (OWASP's first choice: 19 MiB, 2 passes, 1 lane), generated passwords, and a
 * verification that costs the same whether or not the account exists (no user enumeration by timing).
 */
import { randomBytes } from "node:crypto";
import { type Algorithm, hash, verify } from "@node-rs/argon2";

const ARGON2ID = 2 as Algorithm;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummy: Promise<string> | undefined;

/**
 * True when `password` matches `stored`. Without a stored hash (no such user) a throwaway hash is checked anyway, so
 * the answer takes as long as for a real account, and is false.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (stored === undefined) {
    dummy ??= hashPassword(randomBytes(16).toString("hex"));
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  if (!stored.startsWith("$argon2id$")) return false;
  return verify(stored, password).catch(() => false);
}

/** A password for a person to copy once: 24 characters from an unambiguous alphabet (about 135 bits). */
export function generatePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = randomBytes(48);
  let out = "";
  // Rejection sampling keeps every character equally likely.
  for (const b of bytes) {
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
    if (out.length === 24) return out;
  }
  return out + generatePassword().slice(out.length);
}
