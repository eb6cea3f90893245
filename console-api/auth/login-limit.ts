/**
 * Login throttling, checked before any password is hashed: an account may fail `accountFailures` times within a
 * window (a success clears it), and a client address may try `clientAttempts` logins within its window (IPv6
 * clients counted by /64; refused attempts count too). Over either limit the answer is 429 with the seconds until the oldest counted attempt
 * leaves the window.
 */
import { ipv6Groups, plainAddress } from "../../core/net-address.ts";

export interface LoginLimits {
  /** @default 5 failures per 15 minutes */
  readonly accountFailures?: number;
  readonly accountWindowSeconds?: number;
  /** @default 20 attempts per 5 minutes */
  readonly clientAttempts?: number;
  readonly clientWindowSeconds?: number;
  readonly now?: () => number;
}

export type LimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfter: number; readonly scope: "account" | "client" };

/** The key a client address is counted under: IPv4 itself, IPv6 by /64. */
export function clientKey(address: string): string {
  const plain = plainAddress(address);
  const groups = ipv6Groups(plain);
  return groups
    ? `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(":")}::/64`
    : plain;
}

class Window {
  private readonly hits = new Map<string, number[]>();
  constructor(
    readonly limit: number,
    readonly ms: number,
    private readonly now: () => number,
  ) {}

  private live(key: string): number[] {
    const since = this.now() - this.ms;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    return list;
  }

  /** Seconds to wait, or 0 when under the limit. */
  wait(key: string): number {
    const list = this.live(key);
    if (list.length < this.limit) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.limit]! + this.ms - this.now()) / 1000));
  }

  /** Count a hit; only the newest `limit` hits matter, so no more are kept. */
  add(key: string): void {
    this.hits.set(key, [...this.live(key), this.now()].slice(-this.limit));
  }

  clear(key: string): void {
    this.hits.delete(key);
  }

  sweep(): void {
    for (const key of [...this.hits.keys()]) this.live(key);
  }
}

export class LoginLimiter {
  private readonly accounts: Window;
  private readonly clients: Window;

  constructor(limits: LoginLimits = {}) {
    const now = limits.now ?? Date.now;
    this.accounts = new Window(limits.accountFailures ?? 5, (limits.accountWindowSeconds ?? 900) * 1000, now);
    this.clients = new Window(limits.clientAttempts ?? 20, (limits.clientWindowSeconds ?? 300) * 1000, now);
  }

  /** Decide. Every attempt counts against the client, refused ones too, so hammering keeps a client out. */
  attempt(account: string, client: string): LimitDecision {
    const key = clientKey(client);
    const byClient = this.clients.wait(key);
    this.clients.add(key);
    if (byClient > 0) return { allowed: false, retryAfter: byClient, scope: "client" };
    const byAccount = this.accounts.wait(account);
    if (byAccount > 0) return { allowed: false, retryAfter: byAccount, scope: "account" };
    return { allowed: true };
  }

  failed(account: string): void {
    this.accounts.add(account);
  }

  succeeded(account: string): void {
    this.accounts.clear(account);
  }

  sweep(): void {
    this.accounts.sweep();
    this.clients.sweep();
  }
}
