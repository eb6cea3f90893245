// The log lines a view keeps: at most `cap`, the oldest dropped first, so an endless stream cannot eat the tab's
// memory. Each line keeps its absolute number (for stable row keys and "N older lines dropped").
export class LineBuffer {
  private items: string[] = [];
  /** Absolute number of the first kept line (= how many lines were dropped). */
  private first = 0;

  constructor(readonly cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`line cap must be a positive integer, got ${cap}`);
  }

  push(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (lines.length >= this.cap) {
      this.first += this.items.length + lines.length - this.cap;
      this.items = lines.slice(lines.length - this.cap);
      return;
    }
    for (const line of lines) this.items.push(line);
    const over = this.items.length - this.cap;
    if (over > 0) {
      this.items.splice(0, over);
      this.first += over;
    }
  }

  clear(): void {
    this.first += this.items.length;
    this.items = [];
  }

  get length(): number {
    return this.items.length;
  }

  /** Lines dropped because of the cap (or cleared). */
  get dropped(): number {
    return this.first;
  }

  /** Total lines ever pushed. */
  get total(): number {
    return this.first + this.items.length;
  }

  /** Kept lines [start, end) by position in the buffer, with their absolute numbers. */
  slice(start: number, end: number): { n: number; text: string }[] {
    const out: { n: number; text: string }[] = [];
    const stop = Math.min(end, this.items.length);
    for (let i = Math.max(0, start); i < stop; i++) out.push({ n: this.first + i, text: this.items[i]! });
    return out;
  }

  all(): readonly string[] {
    return this.items;
  }
}
