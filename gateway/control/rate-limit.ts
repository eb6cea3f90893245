/**
 * Per-client token buckets for the control plane: each client may burst `burst` requests and then make `perMinute`
 * a minute. IPv6 clients are keyed by their /64 (one host usually owns a whole /64). Full buckets are forgotten by
 * `sweep`, so memory follows the number of recently active clients.
 */
import { ipv6Groups, plainAddress } from "../../core/net-address.ts";

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Whole seconds until one request is allowed again (for Retry-After); 0 when allowed. */
  readonly retryAfter: number;
}

/** The bucket a client address draws from: an IPv4 address itself, an IPv6 address's /64. */
export function rateKey(address: string): string {
  const plain = plainAddress(address);
  const groups = ipv6Groups(plain);
  if (!groups) return plain;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  readonly burst: number;
  private readonly now: () => number;

  constructor(perMinute: number, burst: number, now: () => number = Date.now) {
    this.perMs = perMinute / 60_000;
    this.burst = burst;
    this.now = now;
  }

  take(address: string): RateDecision {
    const key = rateKey(address);
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfter: 0 };
    }
    return { allowed: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000)) };
  }

  /** Drop buckets that have refilled completely. */
  sweep(): void {
    const now = this.now();
    for (const [key, b] of this.buckets)
      if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}
