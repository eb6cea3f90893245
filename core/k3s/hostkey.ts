/**
 * SSH host keys in the form the stack config takes (`hosts[i].hostKey`): `<type> <base64 blob>`, exactly what
 * `ssh-keyscan` prints after the host name. Pure helpers: parse and check a pinned key, read `ssh-keyscan` output,
 * pick the key to pin, and compare a key a server presents during the handshake with the pinned one.
 */
import { createHash } from "node:crypto";

/** Key types a pinned host key may have, strongest first (the order `pickHostKey` prefers). */
export const HOST_KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
] as const;

/** The rule for a pinned host key, in words, for error messages. */
export const HOST_KEY_RULE =
  "must be an SSH host public key as `ssh-keyscan` prints it without the host name, e.g. `ssh-ed25519 AAAAC3Nza…` (run `kip hostkey <address>` to fetch it)";

export interface HostKey {
  /** Algorithm name, e.g. `ssh-ed25519`. */
  readonly type: string;
  /** The key blob, base64 as in `authorized_keys`/`known_hosts`. */
  readonly key: string;
}

export interface KeyscanEntry extends HostKey {
  /** The host as ssh-keyscan names it: `203.0.113.10` or `[203.0.113.10]:2222`. */
  readonly host: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The algorithm name written inside an SSH public key blob (its first length-prefixed string). */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString("latin1");
}

/** Why `line` is not a usable host key, or undefined when it is. */
export function hostKeyProblem(line: string): string | undefined {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || !parts[0] || !parts[1]) return HOST_KEY_RULE;
  const [type, key] = parts as [string, string];
  if (!(HOST_KEY_TYPES as readonly string[]).includes(type)) {
    return `has key type '${type}'; expected one of ${HOST_KEY_TYPES.join(", ")}`;
  }
  if (!BASE64.test(key)) return `${HOST_KEY_RULE}; the part after the type is not base64`;
  const inner = blobType(Buffer.from(key, "base64"));
  const expected = type.startsWith("rsa-sha2-") ? "ssh-rsa" : type;
  if (inner !== expected) return `${HOST_KEY_RULE}; the key data says '${inner ?? "?"}' but the type says '${type}'`;
  return undefined;
}

/** Parse `<type> <base64> [comment]`. Throws an Error with the rule when it is not a host key. */
export function parseHostKey(line: string): HostKey {
  const problem = hostKeyProblem(line);
  if (problem) throw new Error(`host key ${problem}`);
  const [type, key] = line.trim().split(/\s+/) as [string, string];
  // rsa-sha2-* are signature names for an ssh-rsa key; the key itself is ssh-rsa.
  return { type: type.startsWith("rsa-sha2-") ? "ssh-rsa" : type, key };
}

/** `ssh-ed25519 AAAA…`: the form `hosts[i].hostKey` takes. */
export function formatHostKey(key: HostKey): string {
  return `${key.type} ${key.key}`;
}

/** Read `ssh-keyscan` output: one `host type base64` line per key; comments and blank lines are skipped. */
export function parseKeyscan(output: string): KeyscanEntry[] {
  const entries: KeyscanEntry[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [host, type, key] = line.split(/\s+/);
    if (!host || !type || !key) continue;
    if (hostKeyProblem(`${type} ${key}`)) continue;
    entries.push({ host, ...parseHostKey(`${type} ${key}`) });
  }
  return entries;
}

/** The key to pin: the strongest type the host offers (ed25519, then ECDSA, then RSA), or undefined when none. */
export function pickHostKey(entries: readonly HostKey[]): HostKey | undefined {
  const rank = (t: string) => {
    const i = (HOST_KEY_TYPES as readonly string[]).indexOf(t);
    return i === -1 ? HOST_KEY_TYPES.length : i;
  };
  return [...entries].sort((a, b) => rank(a.type) - rank(b.type))[0];
}

/** Does the raw key blob a server presented during the handshake equal the pinned key? */
export function hostKeyMatches(pinned: string, presented: Uint8Array): boolean {
  const { key } = parseHostKey(pinned);
  return Buffer.from(key, "base64").equals(Buffer.from(presented));
}

/** `SHA256:…`, the fingerprint `ssh-keygen -lf` and OpenSSH print, to compare a fetched key with the host's console. */
export function hostKeyFingerprint(key: HostKey): string {
  const digest = createHash("sha256").update(Buffer.from(key.key, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}
