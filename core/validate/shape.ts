/**
 * The shape check: walk a raw value against its field definition (`core/stack-schema.ts`) and report, by field,
 * every unknown key (with "did you mean"), every missing required field and every value of the wrong type or out of
 * its bounds. It returns a copy holding only what has the declared shape, so the rules that follow
 * (`cluster.ts`, `app.ts`, …) read typed values and never meet a string where they expect a list. A field reported
 * here is settled in `Problems`: the same mistake is not reported again by a later rule.
 */
import type { FieldDef, ObjectDef } from "../stack-schema.ts";
import { knownFields } from "../stack-schema.ts";
import { checkKnownKeys, integerRule, isIntegerIn, isRecord, type Problems } from "./values.ts";

/** What a value of the wrong type is told: the generic rule of each kind. */
function typeRule(def: FieldDef): string {
  if (def.typeRule !== undefined) return def.typeRule;
  switch (def.kind) {
    case "string":
      return "must be a string";
    case "integer":
      return integerRule(def.min, def.max);
    case "boolean":
      return "must be true or false";
    case "list":
      return def.items.kind === "string"
        ? "must be a list of strings"
        : def.items.kind === "integer"
          ? "must be a list of whole numbers"
          : "must be a list of objects";
    case "map":
    case "object":
      return "must be an object";
  }
}

/** The path of `key` under `field`; the stack itself is the empty path, so its fields read `apps.web`. */
function child(field: string, key: string): string {
  return field === "" ? key : `${field}.${key}`;
}

/**
 * Check `value` (found at `field`; "" for the whole stack) against `def`. Returns the value with everything of the wrong shape left out, or
 * undefined when the value itself has the wrong shape.
 */
export function checkShape(value: unknown, def: FieldDef, field: string, p: Problems): unknown {
  switch (def.kind) {
    case "string":
      if (typeof value !== "string") return wrong(value, def, field, p);
      if (def.enum && !def.enum.includes(value)) {
        p.addShape(field, `must be one of ${def.enum.join(", ")}`, value);
        return undefined;
      }
      return value;
    case "integer":
      return isIntegerIn(value, def.min, def.max) ? value : wrong(value, def, field, p);
    case "boolean":
      return typeof value === "boolean" ? value : wrong(value, def, field, p);
    case "list":
      return checkList(value, def, field, p);
    case "map":
      if (!isRecord(value)) return wrong(value, def, field, p);
      // Every key stays (a bad value still declares its name, e.g. a service an app binds); its value may not.
      return Object.fromEntries(
        Object.keys(value).map((key) => [key, checkShape(value[key], def.values, child(field, key), p)]),
      );
    case "object":
      return isRecord(value) ? checkObject(value, def, field, p) : wrong(value, def, field, p);
  }
}

function wrong(value: unknown, def: FieldDef, field: string, p: Problems): undefined {
  p.addShape(field, typeRule(def), value);
  return undefined;
}

/** A list keeps its items only when every one has the right shape (so positions in later messages stay true). */
function checkList(value: unknown, def: Extract<FieldDef, { kind: "list" }>, field: string, p: Problems): unknown {
  if (!Array.isArray(value)) return wrong(value, def, field, p);
  const items = value.map((item, i) => checkShape(item, def.items, `${field}[${i}]`, p));
  if (items.some((item) => item === undefined)) {
    p.settle(field);
    return undefined;
  }
  return items;
}

function checkObject(value: Record<string, unknown>, def: ObjectDef, field: string, p: Problems): object {
  const known = knownFields(def);
  checkKnownKeys(value, known, field === "" ? "stack" : field, p);
  const out: [string, unknown][] = [];
  for (const name of known) {
    const fieldDef = def.fields[name]!;
    const at = child(field, name);
    if (value[name] === undefined) {
      if (fieldDef.required) p.addShape(at, `is required: ${lowerFirst(fieldDef.doc)}`);
      continue;
    }
    const checked = checkShape(value[name], fieldDef, at, p);
    if (checked !== undefined) out.push([name, checked]);
  }
  return Object.fromEntries(out);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
