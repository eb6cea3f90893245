// @vitest-environment node
import { describe, expect, test } from "vitest";
import { LineBuffer } from "../src/lib/line-buffer";

/** Small seeded generator (mulberry32) so a failure can be replayed from the printed seed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("LineBuffer", () => {
  test("keeps at most cap lines, dropping the oldest, and numbers lines absolutely", () => {
    const buffer = new LineBuffer(3);
    buffer.push(["a", "b"]);
    buffer.push(["c", "d", "e"]);
    expect(buffer.all()).toEqual(["c", "d", "e"]);
    expect(buffer.dropped).toBe(2);
    expect(buffer.total).toBe(5);
    expect(buffer.slice(1, 3)).toEqual([
      { n: 3, text: "d" },
      { n: 4, text: "e" },
    ]);
  });

  test("a batch larger than the cap keeps only its last lines", () => {
    const buffer = new LineBuffer(2);
    buffer.push(["x"]);
    buffer.push(["1", "2", "3", "4"]);
    expect(buffer.all()).toEqual(["3", "4"]);
    expect(buffer.dropped).toBe(3);
  });

  test("clear counts the cleared lines as dropped", () => {
    const buffer = new LineBuffer(5);
    buffer.push(["a", "b"]);
    buffer.clear();
    expect(buffer.length).toBe(0);
    buffer.push(["c"]);
    expect(buffer.slice(0, 10)).toEqual([{ n: 2, text: "c" }]);
  });

  test("refuses a cap that is not a positive integer", () => {
    expect(() => new LineBuffer(0)).toThrow(/positive integer/);
    expect(() => new LineBuffer(1.5)).toThrow(/positive integer/);
  });

  test("random batches: always the last min(cap, total) lines, in order", () => {
    const seed = Number(process.env.SEED ?? Date.now() % 100000);
    console.log(`line-buffer seed ${seed} (SEED=${seed} to replay)`);
    const random = rng(seed);
    for (let round = 0; round < 50; round++) {
      const cap = 1 + Math.floor(random() * 20);
      const buffer = new LineBuffer(cap);
      const everything: string[] = [];
      for (let batch = 0; batch < 20; batch++) {
        const size = Math.floor(random() * 30);
        const lines = Array.from({ length: size }, (_, i) => `l${everything.length + i}`);
        everything.push(...lines);
        buffer.push(lines);
        expect(buffer.all()).toEqual(everything.slice(Math.max(0, everything.length - cap)));
        expect(buffer.total).toBe(everything.length);
      }
    }
  });
});
