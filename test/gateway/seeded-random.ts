/**
 * Seeded pseudo-random numbers for gateway tests, so a failure can be replayed: the seed comes from `SKIPPER_SEED`
 * when set (to replay a run), otherwise it is picked at random; either way it is printed with the test's label.
 */

export interface SeededRandom {
  readonly seed: number;
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  /** An element of `items`, or undefined when there is none. */
  pick<T>(items: readonly T[]): T | undefined;
}

/** A mulberry32 generator seeded as above; `label` names it in the printed line. */
export function seededRandom(label: string, fixed?: number): SeededRandom {
  const fromEnv = process.env["SKIPPER_SEED"];
  const seed = fixed ?? (fromEnv ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 2 ** 32));
  process.stdout.write(`# ${label}: seed ${seed} (replay with SKIPPER_SEED=${seed})\n`);
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const below = (n: number) => Math.floor(next() * n);
  return { seed, next, below, pick: (items) => (items.length === 0 ? undefined : items[below(items.length)]) };
}
