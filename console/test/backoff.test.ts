// @vitest-environment node
import { describe, expect, test } from "vitest";
import { backoffDelay } from "../src/lib/backoff";

describe("backoffDelay", () => {
  test("doubles from the base, between half and all of the ceiling", () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(500);
    expect(backoffDelay(0, { random: () => 0.999999 })).toBe(1000);
    expect(backoffDelay(3, { random: () => 0 })).toBe(4000);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(6000);
  });

  test("never exceeds the maximum, however many attempts", () => {
    for (const attempt of [5, 10, 50, 1000]) {
      const delay = backoffDelay(attempt, { random: () => 0.999999, max: 30_000 });
      expect(delay).toBeLessThanOrEqual(30_000);
      expect(delay).toBeGreaterThanOrEqual(15_000);
    }
  });
});
