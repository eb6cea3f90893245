/**
 * A small YAML writer for plain JSON data (what `kip synth` writes: Kubernetes objects as sent to the provider). It
 * is several times faster than building a YAML document model, which matters with thousands of objects, and its
 * output is fixed: block style, two-space indents, sequences indented under their key, no anchors.
 *
 * Strings are written plain only when every YAML 1.1 and 1.2 reader takes them as strings (so never `yes`, `on`,
 * `null`, `1.0`, …); multi-line strings as literal blocks when that round-trips exactly; anything else in JSON's
 * double-quoted form, which is valid YAML. `test/core/yaml.test.ts` checks the round trip on random data.
 */

/** Words some YAML reader (1.1 or 1.2) takes as booleans or null. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~)$/i;
/** Starts with a letter, `_` or `/`; then word characters and `. / @ + = , -`, with `:` only between them. */
const PLAIN = /^[A-Za-z_/][\w./@+=,-]*(?::[\w./@+=,-]+)*$/;
/** Whether `s` has a character a literal block cannot carry exactly (control characters other than tab and newline, CR, NEL, line/paragraph separators, BOM). */
function hasNonBlockChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      (c < 0x20 && c !== 0x09 && c !== 0x0a) ||
      c === 0x7f ||
      c === 0x85 ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0xfeff
    ) {
      return true;
    }
  }
  return false;
}

function scalarString(s: string): string {
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  return JSON.stringify(s);
}

/** A literal block for a multi-line string, or undefined when the string must be quoted. */
function block(s: string, indent: string): string | undefined {
  if (!s.includes("\n") || hasNonBlockChar(s) || /^[ \t\n]/.test(s) || s.endsWith("\n\n")) return undefined;
  const body = s.endsWith("\n") ? s.slice(0, -1) : s;
  if (body.split("\n").some((line) => /[ \t]$/.test(line))) return undefined;
  const header = s.endsWith("\n") ? "|" : "|-";
  const lines = body.split("\n").map((line) => (line === "" ? "" : `${indent}${line}`));
  return `${header}\n${lines.join("\n")}`;
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === "string") return scalarString(v);
  throw new Error(`cannot write a ${typeof v} as YAML`);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `value` after `key:` or `-`: inline for scalars and empty collections, else on the next lines. */
function nested(value: unknown, indent: string): string {
  if (Array.isArray(value)) return value.length === 0 ? " []" : `\n${seq(value, indent)}`;
  if (isMap(value)) return Object.keys(value).length === 0 ? " {}" : `\n${map(value, indent)}`;
  if (typeof value === "string") {
    const b = block(value, indent);
    if (b !== undefined) return ` ${b}`;
  }
  return ` ${scalar(value)}`;
}

function map(obj: Record<string, unknown>, indent: string): string {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${indent}${scalarString(k)}:${nested(v, `${indent}  `)}`)
    .join("\n");
}

function seq(items: readonly unknown[], indent: string): string {
  return items
    .map((item) => {
      if (isMap(item) && Object.keys(item).length > 0) {
        // The first entry shares the line with the dash; the others line up under it.
        return `${indent}- ${map(item, `${indent}  `).slice(indent.length + 2)}`;
      }
      return `${indent}-${nested(item, `${indent}  `)}`;
    })
    .join("\n");
}

/** `value` as a YAML document (ending in a newline). */
export function toYaml(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "[]\n" : `${seq(value, "")}\n`;
  if (isMap(value)) return Object.keys(value).length === 0 ? "{}\n" : `${map(value, "")}\n`;
  const b = typeof value === "string" ? block(value, "  ") : undefined;
  return `${b ?? scalar(value)}\n`;
}
