/**
 * TEST DOUBLE (part of the in-memory Kubernetes API, see index.ts): the three patch formats the API server accepts,
 * chosen by Content-Type as `@kubernetes/client-node` sends them:
 * - `application/json-patch+json` (RFC 6902; the client's default for patch calls),
 * - `application/merge-patch+json` (RFC 7386),
 * - `application/strategic-merge-patch+json`: a merge patch in which lists of objects keyed by `name` (containers,
 *   env, volumes, ports) merge item by item instead of being replaced, and `{"$patch": "delete"}` removes an item.
 */

export class PatchError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

export const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

export function applyPatch(target: unknown, patch: unknown, type: PatchType): unknown {
  switch (type) {
    case "application/json-patch+json":
      return jsonPatch(target, patch);
    case "application/merge-patch+json":
      return mergePatch(target, patch, false);
    case "application/strategic-merge-patch+json":
      return mergePatch(target, patch, true);
  }
}

function mergePatch(target: unknown, patch: unknown, strategic: boolean): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (strategic && Array.isArray(value) && Array.isArray(out[key]) && keyedByName(value))
      out[key] = mergeByName(out[key] as Json[], value);
    else out[key] = mergePatch(out[key], value, strategic) as Json;
  }
  return out;
}

function keyedByName(list: Json[]): boolean {
  return list.length > 0 && list.every((item) => isObject(item) && typeof item["name"] === "string");
}

function mergeByName(current: Json[], patch: Json[]): Json[] {
  const out = current.map((item) => structuredClone(item));
  for (const item of patch as JsonObject[]) {
    const at = out.findIndex((c) => isObject(c) && c["name"] === item["name"]);
    if (item["$patch"] === "delete") {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = mergePatch(out[at], item, true) as Json;
    else out.push(mergePatch({}, item, true) as Json);
  }
  return out;
}

/** RFC 6901 pointer → path segments. */
function pointer(path: unknown): string[] {
  if (typeof path !== "string" || (path !== "" && !path.startsWith("/")))
    throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`, 422);
  if (path === "") return [];
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: Json, segments: string[], op: string): { parent: Json; key: string } {
  let at: Json = doc;
  for (const s of segments.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(at) ? at[Number(s)] : isObject(at) ? at[s] : undefined;
    if (next === undefined) throw new PatchError(`${op}: path /${segments.join("/")} does not exist`, 422);
    at = next;
  }
  return { parent: at, key: segments[segments.length - 1] as string };
}

function getAt(doc: Json, segments: string[]): Json | undefined {
  let at: Json | undefined = doc;
  for (const s of segments) {
    if (Array.isArray(at)) at = at[Number(s)];
    else if (isObject(at)) at = at[s];
    else return undefined;
  }
  return at;
}

function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError("a JSON patch must be an array of operations", 400);
  let doc = structuredClone(target) as Json;
  for (const op of patch) {
    if (!isObject(op)) throw new PatchError("a JSON patch operation must be an object", 400);
    const segments = pointer(op["path"]);
    const name = String(op["op"]);
    if (name === "test") {
      if (JSON.stringify(getAt(doc, segments)) !== JSON.stringify(op["value"]))
        throw new PatchError(`test failed at ${op["path"]}`, 422);
      continue;
    }
    if (name === "copy" || name === "move") {
      const from = pointer(op["from"]);
      const value = getAt(doc, from);
      if (value === undefined) throw new PatchError(`${name}: from ${op["from"]} does not exist`, 422);
      if (name === "move") doc = remove(doc, from);
      doc = add(doc, segments, structuredClone(value));
      continue;
    }
    if (name === "add") doc = add(doc, segments, structuredClone(op["value"] as Json));
    else if (name === "remove") doc = remove(doc, segments);
    else if (name === "replace") {
      if (getAt(doc, segments) === undefined) throw new PatchError(`replace: ${op["path"]} does not exist`, 422);
      doc = remove(doc, segments);
      doc = add(doc, segments, structuredClone(op["value"] as Json));
    } else throw new PatchError(`unknown JSON patch operation ${JSON.stringify(name)}`, 400);
  }
  return doc;
}

function add(doc: Json, segments: string[], value: Json): Json {
  if (segments.length === 0) return value;
  const { parent, key } = parentOf(doc, segments, "add");
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw new PatchError(`add: index ${key} out of range`, 422);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`add: parent of /${segments.join("/")} is not a container`, 422);
  return doc;
}

function remove(doc: Json, segments: string[]): Json {
  const { parent, key } = parentOf(doc, segments, "remove");
  if (Array.isArray(parent) && Number(key) < parent.length) parent.splice(Number(key), 1);
  else if (isObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw new PatchError(`remove: /${segments.join("/")} does not exist`, 422);
  return doc;
}
