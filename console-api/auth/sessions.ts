/**
 * Login sessions as refresh-token families. A login starts a family with one refresh token; each refresh rotates it
 * (the old token is spent, a new one issued). Presenting a spent token means it was copied: the whole family is
 * revoked, so both the thief and the victim must log in again, and the access tokens of that family stop working at
 * once (they carry the family id and are checked against it).
 *
 * Tokens are 256 random bits; only their SHA-256 is kept. Sessions live in the process's memory: a restart of the
 * console-api logs everyone out (the console then asks for the password again).
 */
import { createHash, randomBytes } from "node:crypto";

interface Family {
  readonly id: string;
  readonly email: string;
  readonly createdAt: number;
  lastUsedAt: number;
  revoked: boolean;
  /** Hash of the one live refresh token. */
  current: string;
}

export type RotateResult =
  | { readonly ok: true; readonly token: string; readonly family: string; readonly email: string }
  | { readonly ok: false; readonly reason: "unknown" | "reused" | "expired" | "revoked"; readonly email?: string };

export interface SessionOptions {
  /** A session unused this long ends. @default 7 days */
  readonly idleSeconds?: number;
  /** A session ends this long after login whatever happens. @default 30 days */
  readonly absoluteSeconds?: number;
  /** Oldest sessions of a user end beyond this many. @default 20 */
  readonly maxPerUser?: number;
  readonly now?: () => number;
}

const digest = (token: string) => createHash("sha256").update(token).digest("base64url");

export class Sessions {
  private readonly families = new Map<string, Family>();
  /** Hash of every refresh token issued (live or spent) → its family. */
  private readonly tokens = new Map<string, string>();
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly maxPerUser: number;
  private readonly now: () => number;

  constructor(options: SessionOptions = {}) {
    this.idleMs = (options.idleSeconds ?? 7 * 86_400) * 1000;
    this.absoluteMs = (options.absoluteSeconds ?? 30 * 86_400) * 1000;
    this.maxPerUser = options.maxPerUser ?? 20;
    this.now = options.now ?? Date.now;
  }

  get maxAgeSeconds(): number {
    return Math.floor(this.absoluteMs / 1000);
  }

  private issue(family: Family): string {
    const token = randomBytes(32).toString("base64url");
    family.current = digest(token);
    this.tokens.set(family.current, family.id);
    return token;
  }

  start(email: string): { token: string; family: string } {
    const mine = [...this.families.values()].filter((f) => f.email === email && !f.revoked);
    mine.sort((a, b) => a.createdAt - b.createdAt);
    for (const f of mine.slice(0, Math.max(0, mine.length - this.maxPerUser + 1))) this.revoke(f.id);
    const now = this.now();
    const family: Family = {
      id: randomBytes(16).toString("base64url"),
      email,
      createdAt: now,
      lastUsedAt: now,
      revoked: false,
      current: "",
    };
    this.families.set(family.id, family);
    return { token: this.issue(family), family: family.id };
  }

  private expired(f: Family): boolean {
    const now = this.now();
    return now - f.lastUsedAt > this.idleMs || now - f.createdAt > this.absoluteMs;
  }

  rotate(token: string): RotateResult {
    const hash = digest(token);
    const id = this.tokens.get(hash);
    const family = id === undefined ? undefined : this.families.get(id);
    if (family === undefined) return { ok: false, reason: "unknown" };
    if (family.revoked) return { ok: false, reason: "revoked", email: family.email };
    if (this.expired(family)) {
      this.revoke(family.id);
      return { ok: false, reason: "expired", email: family.email };
    }
    if (family.current !== hash) {
      this.revoke(family.id);
      return { ok: false, reason: "reused", email: family.email };
    }
    family.lastUsedAt = this.now();
    return { ok: true, token: this.issue(family), family: family.id, email: family.email };
  }

  /** The family of a refresh token, if it is live (for logout). */
  familyOf(token: string): string | undefined {
    const id = this.tokens.get(digest(token));
    const f = id === undefined ? undefined : this.families.get(id);
    return f !== undefined && !f.revoked && f.current === digest(token) ? f.id : undefined;
  }

  isActive(family: string): boolean {
    const f = this.families.get(family);
    return f !== undefined && !f.revoked && !this.expired(f);
  }

  revoke(family: string): void {
    const f = this.families.get(family);
    if (f !== undefined) f.revoked = true;
  }

  /** End every session of a user (password reset, role change, deletion). */
  revokeUser(email: string): void {
    for (const f of this.families.values()) if (f.email === email) f.revoked = true;
  }

  /** Forget families that ended long enough ago that their tokens are worthless anyway. */
  sweep(): void {
    for (const [id, f] of this.families) {
      if (!this.expired(f) && !f.revoked) continue;
      if (this.now() - f.lastUsedAt < this.idleMs) continue; // keep revoked ones a while: reuse stays detectable
      this.families.delete(id);
    }
    for (const [hash, id] of this.tokens) if (!this.families.has(id)) this.tokens.delete(hash);
  }
}
