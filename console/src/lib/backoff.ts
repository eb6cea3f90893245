// Reconnect delays: exponential from `base`, capped at `max`, with jitter so many tabs do not reconnect in step.
export interface BackoffOptions {
  base?: number;
  max?: number;
  /** A number in [0, 1); Math.random by default, a seeded source in tests. */
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.base ?? 1000;
  const max = options.max ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  // Between half and all of the ceiling.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
