/**
 * A short-lived cache of Kubernetes reads. A page of the console makes several lists (deployments, pods, ingresses)
 * and many people may look at once; within `ttlMs` they share one answer, and concurrent misses share one request.
 * Writes made by this process invalidate what they touch, so a person sees their own change at once.
 */
export class ReadCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly derived = new Map<string, { inputs: readonly unknown[]; value: unknown }>();

  constructor(
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.entries.set(key, { at: this.now(), value });
    // A failed read is not remembered.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /**
   * A value computed from cached reads, recomputed only when one of `inputs` is a different object than last time
   * (so views of 500 apps are built once per read, not once per request).
   */
  derive<T>(key: string, inputs: readonly unknown[], compute: () => T): T {
    const last = this.derived.get(key);
    if (last !== undefined && last.inputs.length === inputs.length && last.inputs.every((x, i) => x === inputs[i])) {
      return last.value as T;
    }
    const value = compute();
    this.derived.set(key, { inputs, value });
    return value;
  }

  /** Forget every entry whose key starts with one of `prefixes` (all entries without arguments). */
  invalidate(...prefixes: string[]): void {
    if (prefixes.length === 0) this.entries.clear();
    for (const key of [...this.entries.keys()]) if (prefixes.some((p) => key.startsWith(p))) this.entries.delete(key);
  }
}
