/**
 * Turning recorded values into output that is safe to write and the same on every run: secrets become the visible
 * placeholder `<secret>`, unknowns `<unknown>`, and JSON keys are sorted.
 */
import { isSecretValue, isUnknownValue } from "./runtime.ts";

export const SECRET_PLACEHOLDER = "<secret>";
export const UNKNOWN_PLACEHOLDER = "<unknown>";

/**
 * `v` with every secret replaced by `<secret>` and every unknown by `<unknown>`. A secret map (a Secret's
 * `stringData`) keeps its keys, which are not secret and tell a reviewer what the Secret holds.
 */
export function scrub(v: unknown): unknown {
  if (isSecretValue(v)) {
    const inner = v.value;
    if (typeof inner === "object" && inner !== null && !Array.isArray(inner) && !isSecretValue(inner)) {
      return Object.fromEntries(Object.keys(inner).map((k) => [k, SECRET_PLACEHOLDER]));
    }
    return SECRET_PLACEHOLDER;
  }
  if (isUnknownValue(v)) return UNKNOWN_PLACEHOLDER;
  if (Array.isArray(v)) return v.map(scrub);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
  }
  return v;
}

/** A copy of `v` whose object keys are sorted (arrays keep their order); `first` keys lead at the top level. */
export function sortKeys(v: unknown, first: readonly string[] = []): unknown {
  if (Array.isArray(v)) return v.map((x) => sortKeys(x));
  if (typeof v !== "object" || v === null) return v;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort((a, b) => {
    const ia = first.indexOf(a);
    const ib = first.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? first.length : ia) - (ib === -1 ? first.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, sortKeys(obj[k])]));
}

/** JSON with sorted keys, two-space indent and a final newline. */
export function stableJson(v: unknown): string {
  return `${JSON.stringify(sortKeys(v), null, 2)}\n`;
}
