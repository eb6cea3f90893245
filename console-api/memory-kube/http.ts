/**
 * TEST DOUBLE (part of the in-memory Kubernetes API, see index.ts): the REST layer. It maps Kubernetes URLs
 * (`/api/v1/...`, `/apis/<group>/<version>/...`, namespaced and cluster-scoped, with the `log` and `scale`
 * subresources) to RBAC verbs (get, list, watch, create, update, patch, delete, deletecollection), records each call,
 * checks the bearer token from its kubeconfig, and answers with objects, lists, watch streams or `Status` errors as
 * the API server does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logs } from "./logs.ts";
import { applyPatch, PATCH_TYPES, PatchError, type PatchType } from "./patch.ts";
import { apiVersionOf, type ResourceType, typeByPath } from "./resources.ts";
import { parseFieldSelector, parseLabelSelector, type SelectorError } from "./selectors.ts";
import { type Change, KubeError, notFound, type Store, type StoredObject } from "./store.ts";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

/** One request the double served (or refused), as an RBAC rule would name it. */
export interface KubeCall {
  readonly verb: Verb;
  /** API group; "" for the core group. */
  readonly group: string;
  /** Resource, with the subresource after a slash (`pods/log`, `deployments/scale`). */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  /** HTTP status of the answer. */
  status: number;
}

export interface HandlerContext {
  readonly store: Store;
  readonly logs: Logs;
  readonly token: string;
  readonly calls: KubeCall[];
  /** Open streaming responses (watches, followed logs), ended on close. */
  readonly streams: Set<ServerResponse>;
}

const MAX_BODY = 3 * 1024 * 1024;

interface Target {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

function parseTarget(pathname: string): Target | undefined {
  const parts = pathname
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 2) {
    group = "";
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else return undefined;
  const typed = (resource: string | undefined) =>
    resource === undefined ? undefined : typeByPath(group, version, resource);
  // namespaces/<ns>/<resource>[/<name>[/<sub>]] when <resource> is a namespaced type.
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const type = typed(rest[2]);
    if (type?.namespaced && rest.length <= 5) {
      return { type, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
  }
  const type = typed(rest[0]);
  if (type === undefined || rest.length > 3) return undefined;
  return { type, name: rest[1], subresource: rest[2] };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new KubeError(413, "RequestEntityTooLarge", "request entity too large");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new KubeError(400, "BadRequest", "the request body is not valid JSON");
  }
}

function verbOf(method: string, target: Target, watch: boolean): Verb | undefined {
  const item = target.name !== undefined;
  switch (method) {
    case "GET":
      return item ? "get" : watch ? "watch" : "list";
    case "POST":
      return item ? undefined : "create";
    case "PUT":
      return item ? "update" : undefined;
    case "PATCH":
      return item ? "patch" : undefined;
    case "DELETE":
      return item ? "delete" : "deletecollection";
    default:
      return undefined;
  }
}

/** List items as the API server sends them: without apiVersion and kind. */
function listOf(ctx: HandlerContext, type: ResourceType, items: StoredObject[]): object {
  return {
    apiVersion: apiVersionOf(type),
    kind: `${type.kind}List`,
    metadata: { resourceVersion: ctx.store.resourceVersion },
    items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
  };
}

function selectors(url: URL): (o: StoredObject) => boolean {
  try {
    const labels = parseLabelSelector(url.searchParams.get("labelSelector"));
    const fields = parseFieldSelector(url.searchParams.get("fieldSelector"));
    return (o) => labels(o.metadata.labels) && fields(o);
  } catch (err) {
    throw new KubeError(400, "BadRequest", (err as SelectorError).message);
  }
}

function requireNamespace(ctx: HandlerContext, type: ResourceType, namespace: string | undefined): void {
  if (!type.namespaced || namespace === undefined) return;
  const nsType = typeByPath("", "v1", "namespaces")!;
  if (ctx.store.find(nsType, undefined, namespace) === undefined) throw notFound(nsType, namespace);
}

function checkBodyObject(body: unknown, type: ResourceType, target: Target): StoredObject {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new KubeError(400, "BadRequest", "the request body must be a JSON object");
  const object = body as StoredObject;
  object.metadata ??= { name: "" };
  if (object.kind !== undefined && object.kind !== type.kind)
    throw new KubeError(400, "BadRequest", `the kind ${object.kind} does not match ${type.kind}`);
  if (target.namespace !== undefined && object.metadata.namespace !== undefined) {
    if (object.metadata.namespace !== target.namespace)
      throw new KubeError(
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
  }
  if (target.name !== undefined && object.metadata.name !== target.name)
    throw new KubeError(400, "BadRequest", "the name of the object does not match the name on the URL");
  return object;
}

function patchType(req: IncomingMessage): PatchType {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  if ((PATCH_TYPES as readonly string[]).includes(type)) return type as PatchType;
  throw new KubeError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`,
  );
}

function scaleOf(object: StoredObject): object {
  const spec = (object["spec"] ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (object["status"] ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

async function handleScale(ctx: HandlerContext, req: IncomingMessage, target: Target, verb: Verb): Promise<object> {
  const { type, namespace, name } = target;
  const object = ctx.store.get(type, namespace, name!);
  if (verb === "get") return scaleOf(object);
  const body = await readBody(req);
  let scale = scaleOf(object) as { spec: { replicas: number }; metadata: { resourceVersion?: string } };
  if (verb === "update") scale = body as typeof scale;
  else if (verb === "patch") scale = applyPatch(scale, body, patchType(req)) as typeof scale;
  else throw new KubeError(405, "MethodNotAllowed", "the scale subresource supports get, update and patch");
  const replicas = scale?.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new KubeError(422, "Invalid", "Scale is invalid: spec.replicas: must be a whole number ≥ 0");
  const next = { ...object, spec: { ...(object["spec"] as object), replicas } } as StoredObject;
  next.metadata.resourceVersion = scale.metadata?.resourceVersion ?? object.metadata.resourceVersion;
  return scaleOf(ctx.store.replace(type, next, namespace));
}

function containerNames(pod: StoredObject): string[] {
  const spec = (pod["spec"] ?? {}) as { containers?: { name: string }[] };
  return (spec.containers ?? []).map((c) => c.name);
}

function waitingReason(pod: StoredObject, container: string): string | undefined {
  const status = (pod["status"] ?? {}) as {
    phase?: string;
    containerStatuses?: {
      name: string;
      state?: { waiting?: { reason?: string }; running?: object; terminated?: object };
    }[];
  };
  const cs = status.containerStatuses?.find((c) => c.name === container);
  if (cs === undefined)
    return status.phase === "Pending" || status.phase === undefined ? "ContainerCreating" : undefined;
  const reason = cs.state?.waiting?.reason;
  // A crash-looping container still has the logs of its last run.
  return reason !== undefined && reason !== "CrashLoopBackOff" ? reason : undefined;
}

function handleLog(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, url: URL, target: Target): void {
  const namespace = target.namespace!;
  const podName = target.name!;
  const pod = ctx.store.get(target.type, namespace, podName);
  const names = containerNames(pod);
  const container = url.searchParams.get("container") ?? (names.length === 1 ? names[0] : undefined);
  if (container === undefined)
    throw new KubeError(
      400,
      "BadRequest",
      `a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`,
    );
  if (!names.includes(container))
    throw new KubeError(400, "BadRequest", `container ${container} is not valid for pod ${podName}`);
  const previous = url.searchParams.get("previous") === "true";
  const follow = url.searchParams.get("follow") === "true";
  const timestamps = url.searchParams.get("timestamps") === "true";
  const tailParam = url.searchParams.get("tailLines");
  const tail = tailParam === null ? undefined : Number(tailParam);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
    throw new KubeError(400, "BadRequest", `invalid tailLines ${JSON.stringify(tailParam)}`);
  if (previous && !ctx.logs.hasPrevious(namespace, podName, container))
    throw new KubeError(
      400,
      "BadRequest",
      `previous terminated container "${container}" in pod "${podName}" not found`,
    );
  const waiting = previous ? undefined : waitingReason(pod, container);
  if (waiting !== undefined)
    throw new KubeError(
      400,
      "BadRequest",
      `container "${container}" in pod "${podName}" is waiting to start: ${waiting}`,
    );
  const sinceTime = url.searchParams.get("sinceTime");
  const sinceSeconds = url.searchParams.get("sinceSeconds");
  const since =
    sinceTime !== null
      ? new Date(sinceTime)
      : sinceSeconds !== null
        ? new Date(Date.now() - Number(sinceSeconds) * 1000)
        : undefined;
  if (since !== undefined && Number.isNaN(since.getTime()))
    throw new KubeError(400, "BadRequest", "sinceTime and sinceSeconds must be a time and a number of seconds");
  const format = (line: { time: string; text: string }) => `${timestamps ? `${line.time} ` : ""}${line.text}\n`;
  res.writeHead(200, { "content-type": "text/plain" });
  for (const line of ctx.logs.read(namespace, podName, container, previous, tail, since)) res.write(format(line));
  if (!follow || previous) {
    res.end();
    return;
  }
  ctx.streams.add(res);
  const stop = ctx.logs.follow(namespace, podName, container, {
    line: (line) => res.write(format(line)),
    end: () => res.end(),
  });
  res.on("close", () => {
    stop();
    ctx.streams.delete(res);
  });
  req.resume();
}

function handleWatch(ctx: HandlerContext, res: ServerResponse, url: URL, target: Target): void {
  const { type, namespace } = target;
  const matches = selectors(url);
  const wanted = (c: Change) =>
    c.resource === type && (namespace === undefined || c.object.metadata.namespace === namespace) && matches(c.object);
  res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
  const write = (type: string, object: StoredObject) => res.write(`${JSON.stringify({ type, object })}\n`);
  const from = url.searchParams.get("resourceVersion");
  if (from === null || from === "" || from === "0") {
    for (const o of ctx.store.list(type, namespace)) if (matches(o)) write("ADDED", o);
  }
  const listener = (c: Change) => {
    if (wanted(c)) write(c.type, c.object);
  };
  ctx.store.changes.on("change", listener);
  ctx.streams.add(res);
  const timeout = Number(url.searchParams.get("timeoutSeconds") ?? "0");
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  res.on("close", () => {
    ctx.store.changes.off("change", listener);
    ctx.streams.delete(res);
    if (timer !== undefined) clearTimeout(timer);
  });
}

async function handleResource(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  target: Target,
  verb: Verb,
): Promise<void> {
  const { type, namespace, name } = target;
  if (type.readOnly && !["get", "list", "watch"].includes(verb))
    throw new KubeError(405, "MethodNotAllowed", `${type.resource}.${type.group} is read-only`);
  switch (verb) {
    case "list": {
      const matches = selectors(url);
      return send(res, 200, listOf(ctx, type, ctx.store.list(type, namespace, matches)));
    }
    case "watch":
      return handleWatch(ctx, res, url, target);
    case "get":
      return send(res, 200, ctx.store.get(type, namespace, name!));
    case "create": {
      requireNamespace(ctx, type, namespace);
      const object = checkBodyObject(await readBody(req), type, target);
      return send(res, 201, ctx.store.create(type, object, namespace));
    }
    case "update": {
      const object = checkBodyObject(await readBody(req), type, target);
      return send(res, 200, ctx.store.replace(type, object, namespace));
    }
    case "patch": {
      const current = ctx.store.get(type, namespace, name!);
      const patched = applyPatch(current, await readBody(req), patchType(req)) as StoredObject;
      const sent = patched.metadata?.resourceVersion;
      // A patch carries a precondition only when it sets resourceVersion itself.
      if (sent === current.metadata.resourceVersion) delete patched.metadata.resourceVersion;
      const object = checkBodyObject(patched, type, target);
      return send(res, 200, ctx.store.replace(type, object, namespace));
    }
    case "delete": {
      const gone = ctx.store.delete(type, namespace, name!);
      return send(res, 200, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: { name: gone.metadata.name, kind: type.resource, uid: gone.metadata.uid },
      });
    }
    case "deletecollection": {
      const matches = selectors(url);
      const gone = ctx.store.list(type, namespace).filter(matches);
      for (const o of gone) ctx.store.delete(type, o.metadata.namespace, o.metadata.name);
      return send(res, 200, listOf(ctx, type, gone));
    }
  }
}

export async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://memory-kube");
  if (url.pathname === "/version") {
    return send(res, 200, { major: "1", minor: "33", gitVersion: "v1.33.0-memory", platform: "linux/amd64" });
  }
  if (url.pathname === "/healthz" || url.pathname === "/readyz" || url.pathname === "/livez") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  if (req.headers.authorization !== `Bearer ${ctx.token}`) {
    req.resume();
    return send(res, 401, new KubeError(401, "Unauthorized", "Unauthorized").body());
  }
  const target = parseTarget(url.pathname);
  const watch = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
  const verb = target === undefined ? undefined : verbOf(req.method ?? "GET", target, watch);
  if (target === undefined || verb === undefined) {
    req.resume();
    return send(res, 404, new KubeError(404, "NotFound", `the server could not find the requested resource`).body());
  }
  const call: KubeCall = {
    verb,
    group: target.type.group,
    resource: target.subresource === undefined ? target.type.resource : `${target.type.resource}/${target.subresource}`,
    ...(target.namespace !== undefined && { namespace: target.namespace }),
    ...(target.name !== undefined && { name: target.name }),
    status: 0,
  };
  ctx.calls.push(call);
  try {
    if (target.subresource === undefined) await handleResource(ctx, req, res, url, target, verb);
    else if (
      target.subresource === "log" &&
      target.type.resource === "pods" &&
      target.type.group === "" &&
      verb === "get"
    )
      handleLog(ctx, req, res, url, target);
    else if (
      target.subresource === "scale" &&
      ["deployments", "statefulsets", "replicasets"].includes(target.type.resource)
    )
      send(res, 200, await handleScale(ctx, req, target, verb));
    else throw new KubeError(404, "NotFound", `the server could not find the requested resource`);
  } catch (err) {
    const error =
      err instanceof KubeError
        ? err
        : err instanceof PatchError
          ? new KubeError(err.status, err.status === 422 ? "Invalid" : "BadRequest", err.message)
          : new KubeError(500, "InternalError", (err as Error).message);
    req.resume();
    if (!res.headersSent) send(res, error.status, error.body());
    else res.end();
  } finally {
    call.status = res.statusCode;
  }
}
