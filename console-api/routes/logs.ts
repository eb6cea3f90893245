/**
 * Live logs over WebSocket: `GET /api/v1/projects/:project/apps/:app/logs?tail=&pod=&follow=`.
 *
 * Everything is decided before the upgrade, so a refusal is a plain HTTP answer: the token (subprotocols
 * `skipper.auth` + token, checked by the auth hook), the query (tail 0–1000, default 100), the project (404 when the
 * user may not read it), the app and the pod (which must belong to the app). The server answers the subprotocol
 * `skipper.auth` and then sends the log as text frames of one or more lines joined by `\n` (lines are gathered for a
 * few milliseconds, `log-frames.ts`): first, when the container has crashed before, the previous container's last
 * lines between two marker lines; then the current container's last `tail` lines and, with `follow` (the default),
 * new lines as they come. When the container restarts the stream goes on with the new
 * one; when the pod goes away the socket closes normally (1000) saying so. Pings keep the connection alive and find
 * dead peers; a client too slow to read is disconnected.
 */
import { Writable } from "node:stream";
import type { V1Pod } from "@kubernetes/client-node";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { LOG_TAIL_DEFAULT, LOG_TAIL_MAX } from "../../core/console/api.ts";
import { requireProject } from "../access.ts";
import { userOf } from "../context.ts";
import { notFound } from "../errors.ts";
import { kubeStatus } from "../kube/client.ts";
import { LogFrames } from "../log-frames.ts";
import { appParams } from "./schemas.ts";

const query = {
  type: "object",
  additionalProperties: false,
  properties: {
    tail: { type: "integer", minimum: 0, maximum: LOG_TAIL_MAX, default: LOG_TAIL_DEFAULT },
    pod: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$" },
    follow: { type: "boolean", default: true },
  },
} as const;

interface LogQuery {
  tail: number;
  pod?: string;
  follow: boolean;
}

type LogRequest = FastifyRequest<{ Params: { project: string; app: string }; Querystring: LogQuery }>;

/** Bytes a client may leave unread before it is disconnected. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** A WebSocket close reason is at most 123 bytes. */
const reason = (text: string) =>
  Buffer.from(text)
    .subarray(0, 123)
    .toString("utf8")
    .replace(/\uFFFD$/, "");

interface Target {
  readonly namespace: string;
  readonly pod: V1Pod;
  readonly container: string;
}

/** Pick the pod: the one asked for (it must belong to the app), else a Running one, else the newest. */
function choosePod(pods: readonly V1Pod[], wanted: string | undefined): V1Pod | undefined {
  if (wanted !== undefined) return pods.find((p) => p.metadata?.name === wanted);
  const newest = [...pods].sort((a, b) =>
    String(b.metadata?.creationTimestamp?.valueOf() ?? "").localeCompare(
      String(a.metadata?.creationTimestamp?.valueOf() ?? ""),
    ),
  );
  return newest.find((p) => p.status?.phase === "Running") ?? newest[0];
}

/**
 * Splits a byte stream into lines and hands each to `send`. It keeps hold of the stream piped into it: client-node
 * pipes the log response without an error listener, so stopping a stream must go through the source (with a listener
 * attached here) rather than an abort that would surface as an uncaught error.
 */
class LineWriter extends Writable {
  private rest = "";
  source: NodeJS.ReadableStream | undefined;
  constructor(private readonly send: (line: string) => boolean) {
    super();
    this.on("pipe", (source: NodeJS.ReadableStream) => {
      source.on("error", () => this.end());
      this.source = source;
    });
  }

  /** Stop reading the log: the HTTP response to the API server is cancelled. */
  stop(): void {
    (this.source as { destroy?: () => void } | undefined)?.destroy?.();
    this.end();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    const text = this.rest + chunk.toString("utf8");
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    for (const line of lines) {
      if (!this.send(line)) {
        done(new Error("client gone"));
        return;
      }
    }
    done();
  }
  override _final(done: () => void): void {
    if (this.rest !== "") this.send(this.rest);
    done();
  }
}

export async function logRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;
  const targets = new WeakMap<FastifyRequest, Target>();

  app.get(
    "/projects/:project/apps/:app/logs",
    {
      websocket: true,
      schema: { params: appParams, querystring: query },
      // Runs before the upgrade: a refusal here is an HTTP answer, no socket is opened.
      preHandler: async (request: LogRequest) => {
        const { project, app: name } = request.params;
        await requireProject(ctx, userOf(request), project, "read");
        const d = await ctx.cluster.deployment(project, name);
        if (d === undefined) throw notFound(`no app "${name}" in project "${project}"`);
        const selector = Object.entries(d.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(",");
        const pods = selector === "" ? [] : await ctx.cluster.selectPods(project, selector);
        const pod = choosePod(pods, request.query.pod);
        if (pod === undefined) {
          throw notFound(
            request.query.pod !== undefined
              ? `no pod "${request.query.pod}" belongs to app "${name}"`
              : `app "${name}" has no pods (is it scaled to 0?)`,
          );
        }
        const names = (pod.spec?.containers ?? []).map((c) => c.name);
        targets.set(request, { namespace: project, pod, container: names.includes(name) ? name : (names[0] ?? name) });
      },
    },
    (socket: WebSocket, request: LogRequest) => {
      const target = targets.get(request);
      if (target === undefined) {
        socket.close(1011, "no target");
        return;
      }
      void streamLogs(app, socket, target, request.query);
    },
  );
}

async function streamLogs(app: FastifyInstance, socket: WebSocket, target: Target, q: LogQuery): Promise<void> {
  const { cluster, metrics, settings } = app.console;
  const { namespace, container } = target;
  const podName = target.pod.metadata?.name ?? "";
  let open = true;
  let current: LineWriter | undefined;
  let alive = true;
  const frames = new LogFrames({
    send: (frame) => {
      if (!open || socket.readyState !== socket.OPEN) return false;
      if (socket.bufferedAmount > MAX_BUFFERED) {
        socket.close(1013, "reading too slowly; reconnect with a smaller tail");
        return false;
      }
      socket.send(frame);
      return true;
    },
  });
  metrics.logStreams.inc();
  const ping = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, settings.logPingMs);
  socket.on("pong", () => {
    alive = true;
  });
  socket.on("message", () => {}); // client messages are ignored
  socket.on("close", () => {
    open = false;
    frames.stop();
    clearInterval(ping);
    current?.stop();
    metrics.logStreams.dec();
  });
  const send = (line: string): boolean => frames.push(line);
  const close = (code: number, text: string) => {
    frames.flush();
    if (open && socket.readyState === socket.OPEN) socket.close(code, reason(text));
  };

  try {
    const status = target.pod.status?.containerStatuses?.find((s) => s.name === container);
    const crashed = status?.lastState?.terminated;
    if (crashed !== undefined && (status?.restartCount ?? 0) > 0 && q.tail > 0) {
      const previous = await cluster.kube.core
        .readNamespacedPodLog({ name: podName, namespace, container, previous: true, tailLines: q.tail })
        .catch(() => undefined);
      if (previous !== undefined) {
        send(
          `--- previous container of ${podName} (${crashed.reason ?? "exited"}, exit code ${crashed.exitCode ?? "?"}) ---`,
        );
        for (const line of previous.split("\n").slice(0, previous.endsWith("\n") ? -1 : undefined)) send(line);
        send("--- current container ---");
      }
    }
    let restarts = status?.restartCount ?? 0;
    // client-node drops `tailLines: 0`, so "no history" is asked as "since now".
    let from: { tailLines?: number; sinceTime?: string } =
      q.tail === 0 ? { sinceTime: new Date().toISOString() } : { tailLines: q.tail };
    let pause = 500;
    for (;;) {
      const startedAt = Date.now();
      await new Promise<void>((resolve, reject) => {
        const out = new LineWriter(send);
        current = out;
        out.on("finish", resolve);
        out.on("close", resolve);
        out.on("error", reject);
        cluster.kube.log.log(namespace, podName, container, out, { follow: q.follow, ...from }).then(() => {
          if (!open) out.stop();
        }, reject);
      }).catch((err: unknown) => {
        if (kubeStatus(err) !== undefined) send(`[skipper] ${(err as Error).message}`);
      });
      if (!open) return;
      if (!q.follow) return close(1000, "end of log");
      // A stream that ends at once (a container waiting to start) is retried with growing pauses, up to 10 s.
      if (Date.now() - startedAt < 1000) {
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 10_000);
      } else pause = 500;
      if (!open) return;
      const pod = await cluster.pod(namespace, podName);
      if (pod === undefined || pod.metadata?.deletionTimestamp !== undefined) {
        return close(1000, `pod ${podName} is gone`);
      }
      const now = pod.status?.containerStatuses?.find((s) => s.name === container)?.restartCount ?? 0;
      if (now === restarts) {
        // The stream ended without a restart (an API server timeout): go on from here.
        from = { sinceTime: new Date().toISOString() };
      } else {
        send("--- container restarted ---");
        restarts = now;
        from = {};
      }
    }
  } catch (err) {
    close(1011, `log stream failed: ${(err as Error).message}`);
  }
}
