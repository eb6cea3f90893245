/**
 * Plain data → TypeScript expression text, for the code `kip` writes into a stack file. Every string goes through
 * `JSON.stringify`, which yields a valid TypeScript string literal whatever the value holds (quotes, backslashes,
 * newlines, `${…}`, `*\/`): a value from a user, a Compose file or a model can never become code. Keys are bare when
 * they are plain identifiers, quoted otherwise. Only JSON-like values are accepted; anything else is a bug and throws.
 *
 * Layout follows the repository's style (two-space indent, trailing commas, 120 columns): a value that fits on the
 * rest of its line is written inline (`{ image: "…", port: 3000 }`), otherwise one entry per line.
 */

export type Plain = string | number | boolean | readonly Plain[] | { readonly [key: string]: Plain | undefined };

export const LINE_WIDTH = 120;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as written in an object literal: bare when it is an identifier, a string literal otherwise. */
export function propertyKey(key: string): string {
  // `__proto__: v` in an object literal sets the prototype instead of a property; a computed key does not.
  if (key === "__proto__") return `["__proto__"]`;
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

/** The value's entries, without the `undefined` ones (they are "not set"). */
function entries(value: { readonly [key: string]: Plain | undefined }): [string, Plain][] {
  return Object.entries(value).filter((e): e is [string, Plain] => e[1] !== undefined);
}

/** The value on one line. */
export function inline(value: Plain): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write the number ${value} into a stack file`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => inline(v)).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const parts = entries(value as Record<string, Plain>).map(([k, v]) => `${propertyKey(k)}: ${inline(v)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  throw new Error(`cannot write a value of type ${value === null ? "null" : typeof value} into a stack file`);
}

/**
 * The value as it appears after `prefix` (e.g. `web: `) on a line indented by `indent`: inline when it fits in
 * `width` columns, otherwise broken over lines, each nested level indented by `unit` more.
 */
export function layout(value: Plain, indent: string, prefix = "", unit = "  ", width = LINE_WIDTH): string {
  const flat = inline(value);
  // +1 for the comma that follows an entry.
  if (indent.length + prefix.length + flat.length + 1 <= width || typeof value !== "object") return flat;
  const inner = indent + unit;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const lines = value.map((v) => `${inner}${layout(v, inner, "", unit, width)},`);
    return `[\n${lines.join("\n")}\n${indent}]`;
  }
  const list = entries(value as Record<string, Plain>);
  if (list.length === 0) return "{}";
  const lines = list.map(([k, v]) => {
    const key = `${propertyKey(k)}: `;
    return `${inner}${key}${layout(v, inner, key, unit, width)},`;
  });
  return `{\n${lines.join("\n")}\n${indent}}`;
}

/** One object-literal entry `key: value` laid out for a line indented by `indent` (no trailing comma). */
export function entryText(key: string, value: Plain, indent: string, unit = "  "): string {
  const k = `${propertyKey(key)}: `;
  return `${k}${layout(value, indent, k, unit)}`;
}
