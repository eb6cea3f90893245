/**
 * TEST DOUBLE (part of the in-memory Kubernetes API, see index.ts): the object store. One global resourceVersion
 * counter as in etcd, server-set metadata on create (uid, resourceVersion, creationTimestamp, generation), optimistic
 * concurrency on update (a stale resourceVersion is a 409 Conflict), `stringData` folded into `data` for Secrets,
 * namespace deletion and owner-reference garbage collection done at once, and a change feed for watches.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { apiVersionOf, RESOURCE_TYPES, type ResourceType, typeKey } from "./resources.ts";

export interface Metadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [field: string]: unknown;
}

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [field: string]: unknown;
}

/** An API error in the shape of a Kubernetes `Status`. */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  body(): object {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.status,
    };
  }
}

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";
export interface Change {
  readonly type: ChangeType;
  readonly resource: ResourceType;
  readonly object: StoredObject;
}

const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

function label(type: ResourceType): string {
  return type.group === "" ? type.resource : `${type.resource}.${type.group}`;
}

export function notFound(type: ResourceType, name: string): KubeError {
  return new KubeError(404, "NotFound", `${label(type)} "${name}" not found`);
}

export class Store {
  private revision = 0;
  private readonly collections = new Map<string, Map<string, StoredObject>>();
  readonly changes = new EventEmitter();

  constructor() {
    this.changes.setMaxListeners(0);
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  private collection(type: ResourceType): Map<string, StoredObject> {
    const key = typeKey(type);
    let c = this.collections.get(key);
    if (c === undefined) {
      c = new Map();
      this.collections.set(key, c);
    }
    return c;
  }

  private emit(type: ChangeType, resource: ResourceType, object: StoredObject): void {
    this.changes.emit("change", { type, resource, object: structuredClone(object) } satisfies Change);
  }

  /** Copies of the objects of a type (in a namespace), those `keep` accepts when given, sorted by namespace and name. */
  list(type: ResourceType, namespace?: string, keep?: (o: StoredObject) => boolean): StoredObject[] {
    const items = [...this.collection(type).values()].filter(
      (o) => (namespace === undefined || o.metadata.namespace === namespace) && (keep === undefined || keep(o)),
    );
    items.sort((a, b) =>
      objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b.metadata.namespace, b.metadata.name)),
    );
    return items.map((o) => structuredClone(o));
  }

  find(type: ResourceType, namespace: string | undefined, name: string): StoredObject | undefined {
    const o = this.collection(type).get(objectKey(type.namespaced ? namespace : undefined, name));
    return o === undefined ? undefined : structuredClone(o);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const o = this.find(type, namespace, name);
    if (o === undefined) throw notFound(type, name);
    return o;
  }

  create(type: ResourceType, input: StoredObject, namespace?: string): StoredObject {
    const object = structuredClone(input);
    const name = object.metadata?.name;
    if (typeof name !== "string" || name === "")
      throw new KubeError(422, "Invalid", `${type.kind} is invalid: metadata.name: Required value`);
    if (type.namespaced) object.metadata.namespace = namespace ?? object.metadata.namespace ?? "default";
    else delete object.metadata.namespace;
    const c = this.collection(type);
    const key = objectKey(object.metadata.namespace, name);
    if (c.has(key)) throw new KubeError(409, "AlreadyExists", `${label(type)} "${name}" already exists`);
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, "Z");
    object.metadata.generation = 1;
    object.metadata.resourceVersion = String(++this.revision);
    normalise(object);
    c.set(key, object);
    this.emit("ADDED", type, object);
    return structuredClone(object);
  }

  /**
   * Replace an object. With `metadata.resourceVersion` set, it must equal the stored one (409 Conflict otherwise);
   * without it the write is unconditional, as the API server does for these kinds.
   */
  replace(type: ResourceType, input: StoredObject, namespace?: string): StoredObject {
    const object = structuredClone(input);
    const ns = type.namespaced ? (namespace ?? object.metadata.namespace) : undefined;
    const current = this.collection(type).get(objectKey(ns, object.metadata.name));
    if (current === undefined) throw notFound(type, object.metadata.name);
    const sent = object.metadata.resourceVersion;
    if (sent !== undefined && sent !== "" && sent !== current.metadata.resourceVersion) {
      throw new KubeError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${label(type)} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    object.apiVersion = current.apiVersion;
    object.kind = current.kind;
    object.metadata.namespace = current.metadata.namespace;
    object.metadata.uid = current.metadata.uid;
    object.metadata.creationTimestamp = current.metadata.creationTimestamp;
    const specChanged = JSON.stringify(object["spec"]) !== JSON.stringify(current["spec"]);
    object.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    if (current["status"] !== undefined && object["status"] === undefined) object["status"] = current["status"];
    normalise(object);
    object.metadata.resourceVersion = current.metadata.resourceVersion;
    if (JSON.stringify(object) === JSON.stringify(current)) return structuredClone(current); // a no-op write
    object.metadata.resourceVersion = String(++this.revision);
    this.collection(type).set(objectKey(ns, object.metadata.name), object);
    this.emit("MODIFIED", type, object);
    return structuredClone(object);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const c = this.collection(type);
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const object = c.get(key);
    if (object === undefined) throw notFound(type, name);
    c.delete(key);
    object.metadata.resourceVersion = String(++this.revision);
    this.emit("DELETED", type, object);
    if (type.group === "" && type.resource === "namespaces") this.dropNamespace(name);
    this.collectDependents(object.metadata.uid);
    return structuredClone(object);
  }

  private dropNamespace(namespace: string): void {
    for (const [key, c] of this.collections) {
      for (const [k, o] of c) {
        if (o.metadata.namespace !== namespace) continue;
        c.delete(k);
        const type = this.typeOf(key);
        if (type !== undefined) this.emit("DELETED", type, o);
      }
    }
  }

  /** Owner-reference garbage collection (the API server's background cascade, done at once). */
  private collectDependents(uid: string | undefined): void {
    if (uid === undefined) return;
    for (const [key, c] of this.collections) {
      for (const o of [...c.values()]) {
        if (!o.metadata.ownerReferences?.some((r) => r.uid === uid)) continue;
        const type = this.typeOf(key);
        if (type !== undefined) this.delete(type, o.metadata.namespace, o.metadata.name);
      }
    }
  }

  private typeOf(key: string): ResourceType | undefined {
    return RESOURCE_TYPES.find((t) => typeKey(t) === key);
  }
}

/** What the API server does to every write of these kinds: Secrets' `stringData` becomes base64 `data`. */
function normalise(object: StoredObject): void {
  if (object.kind === "Secret" && object["stringData"] !== undefined) {
    const data = { ...((object["data"] as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(object["stringData"] as Record<string, string>)) {
      data[k] = Buffer.from(String(v), "utf8").toString("base64");
    }
    object["data"] = data;
    delete object["stringData"];
  }
}
