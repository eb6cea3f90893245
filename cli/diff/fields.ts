/**
 * Field-level differences between two plain JSON values (Kubernetes objects, stack outputs), as a list of paths with
 * the old and new value. Paths read the way `kubectl explain` and Pulumi's detailed diff write them
 * (`spec.template.spec.containers[0].image`), except that a list whose items all carry a distinct `name` is matched by
 * name (`containers[web]`, `env[DATABASE_URL]`), so inserting an item in the middle shows one addition rather than a
 * change to every item after it.
 *
 * A value shown as `<secret>` on both sides is compared through its fingerprint (a keyed hash made where the value
 * was known, see `side.ts`): a changed secret is reported with `<secret>` on both sides, never with its value.
 *
 * A ConfigMap's `binaryData` values (base64, up to a mebibyte each: the console's code archive) are compared whole but
 * reported by size and hash, `<1044484 bytes, sha256 3f2a…>`: the bytes themselves say nothing to a reviewer.
 */
import { createHash } from "node:crypto";
import { SECRET_PLACEHOLDER } from "../synth/scrub.ts";

export interface FieldChange {
  /** Where the value sits, e.g. `spec.replicas`. */
  readonly path: string;
  /** The value before; absent when the field is new. */
  readonly old?: unknown;
  /** The value after; absent when the field is gone. */
  readonly new?: unknown;
  /** Set when both sides are `<secret>` and the hidden value changed. */
  readonly secretChanged?: true;
}

/** Fingerprints of secret values by location (see `secretLocation`), for one side. */
export type Fingerprints = ReadonlyMap<string, string>;

/** The key under which a secret found at `segments` (raw keys and indices) of `scope` is fingerprinted. */
export function secretLocation(scope: string, segments: readonly (string | number)[]): string {
  return JSON.stringify([scope, ...segments]);
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Keys written after a dot; any other key (`app.kubernetes.io/name`) is written `["…"]`. */
const IDENT = /^[A-Za-z_$][\w$-]*$/;

function keySegment(path: string, key: string): string {
  if (IDENT.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** The names of a list's items when every item is an object with a distinct string `name`, else undefined. */
function namesOf(list: readonly Json[]): string[] | undefined {
  const names: string[] = [];
  for (const item of list) {
    if (!isObject(item) || typeof item["name"] !== "string") return undefined;
    names.push(item["name"]);
  }
  return new Set(names).size === names.length ? names : undefined;
}

function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bl = b as Json[];
    return a.length === bl.length && a.every((x, i) => sameJson(x, bl[i]));
  }
  const ao = a as Record<string, Json>;
  const bo = b as Record<string, Json>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && sameJson(ao[k], bo[k]));
}

/** Where each side's secrets were fingerprinted. */
export interface SecretPrints {
  readonly scope: string;
  readonly prints: Fingerprints;
}

const NO_PRINTS: SecretPrints = { scope: "", prints: new Map() };

interface Walk {
  readonly old: SecretPrints;
  readonly new: SecretPrints;
  readonly out: FieldChange[];
}

function walk(
  w: Walk,
  path: string,
  oldRaw: readonly (string | number)[],
  newRaw: readonly (string | number)[],
  a: Json,
  b: Json,
): void {
  if (a === SECRET_PLACEHOLDER && b === SECRET_PLACEHOLDER) {
    const pa = w.old.prints.get(secretLocation(w.old.scope, oldRaw));
    const pb = w.new.prints.get(secretLocation(w.new.scope, newRaw));
    if (pa !== pb) w.out.push({ path, old: a, new: b, secretChanged: true });
    return;
  }
  // Containers are walked even when equal: a `<secret>` inside may hide a change only the fingerprints show.
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const p = keySegment(path, k);
      if (!Object.hasOwn(b, k)) w.out.push({ path: p, old: a[k] });
      else if (!Object.hasOwn(a, k)) w.out.push({ path: p, new: b[k] });
      else walk(w, p, [...oldRaw, k], [...newRaw, k], a[k], b[k]);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const na = namesOf(a);
    const nb = namesOf(b);
    if (na && nb) {
      const oldAt = new Map(na.map((n, i) => [n, i]));
      const newAt = new Map(nb.map((n, i) => [n, i]));
      for (const [n, i] of oldAt) {
        const j = newAt.get(n);
        const p = `${path}[${n}]`;
        if (j === undefined) w.out.push({ path: p, old: a[i] });
        else walk(w, p, [...oldRaw, i], [...newRaw, j], a[i], b[j]);
      }
      for (const [n, j] of newAt) if (!oldAt.has(n)) w.out.push({ path: `${path}[${n}]`, new: b[j] });
      return;
    }
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) walk(w, `${path}[${i}]`, [...oldRaw, i], [...newRaw, i], a[i], b[i]);
    for (let i = common; i < a.length; i++) w.out.push({ path: `${path}[${i}]`, old: a[i] });
    for (let i = common; i < b.length; i++) w.out.push({ path: `${path}[${i}]`, new: b[i] });
    return;
  }
  if (!sameJson(a, b)) w.out.push({ path: path || "(value)", old: a, new: b });
}

/**
 * The changed fields between `a` and `b`, in a stable order (keys sorted, named list items in their old order then
 * the new ones). `oldPrints`/`newPrints` say where each side's secret fingerprints are.
 */
export function diffFields(
  a: Json,
  b: Json,
  oldPrints: SecretPrints = NO_PRINTS,
  newPrints: SecretPrints = NO_PRINTS,
): FieldChange[] {
  const out: FieldChange[] = [];
  walk({ old: oldPrints, new: newPrints, out }, "", [], [], a, b);
  return out.map((f) => (BINARY_PATH.test(f.path) ? summariseBinary(f) : f));
}

/** A top-level `binaryData` entry (`binaryData.part`, `binaryData["a.tgz"]`). */
const BINARY_PATH = /^binaryData(\.|\[)/;

/** A base64 value as its size and SHA-256; anything else as it is. */
function binarySummary(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const bytes = Buffer.from(v, "base64");
  return `<${bytes.length} bytes, sha256 ${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}…>`;
}

function summariseBinary(f: FieldChange): FieldChange {
  return {
    path: f.path,
    ...(Object.hasOwn(f, "old") && { old: binarySummary(f.old) }),
    ...(Object.hasOwn(f, "new") && { new: binarySummary(f.new) }),
  };
}
