/**
 * The control plane's HTTP API (Fastify), served for requests whose Host is the base domain itself. Fastify does
 * not own a server here: gateway/server.ts hands it only the control-plane requests (see `handle`), so the data
 * plane never passes through Fastify's routing.
 *
 * Every answer is JSON; errors are `{"error": "..."}`. Bodies are capped (413), each client address has a token
 * bucket (429 + Retry-After; /healthz is exempt so probes never starve), and /metrics needs the admin token.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { clientAddress, type TrustedProxies } from "./client-address.ts";
import type { ControlCounters } from "./metrics.ts";
import type { Caller, ControlOperations, Outcome } from "./outcome.ts";
import type { RateDecision } from "./rate-limit.ts";
import { readBearer, secretsEqual } from "./tokens.ts";

export interface ControlPlaneOptions {
  readonly operations: ControlOperations;
  readonly trusted: TrustedProxies;
  /** Per-client rate limit (local, or asked of the primary process). */
  readonly limiter: { take(address: string): RateDecision | Promise<RateDecision> };
  readonly counters: ControlCounters;
  /** Without one, /metrics answers 404 (nothing to authenticate against). */
  readonly adminToken?: string;
  /** Renders the Prometheus text (may gather figures from other processes). */
  readonly metrics: () => Promise<string>;
  /** @default 4096 bytes */
  readonly bodyLimit?: number;
}

export interface ControlPlane {
  /** Serve one request (already known to be for the base domain). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller;
  }
}

function send(reply: FastifyReply, outcome: Outcome): FastifyReply {
  if (outcome.headers) reply.headers(outcome.headers);
  reply.code(outcome.status);
  return outcome.body === undefined ? reply.send() : reply.send(outcome.body);
}

function routes(app: FastifyInstance, opts: ControlPlaneOptions): void {
  const ops = opts.operations;
  type WithId = FastifyRequest<{ Params: { id: string } }>;

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/metrics", async (req, reply) => {
    if (opts.adminToken === undefined)
      return send(reply, { status: 404, body: { error: "metrics are off: start the gateway with --admin-token" } });
    const bearer = readBearer(req.headers.authorization);
    if (bearer.kind !== "token") {
      return send(reply, {
        status: 401,
        body: { error: "metrics need the admin token: Authorization: Bearer <token>" },
        headers: { "www-authenticate": 'Bearer realm="skipper-gateway"' },
      });
    }
    if (!secretsEqual(bearer.token, opts.adminToken))
      return send(reply, { status: 403, body: { error: "that is not the admin token" } });
    reply.type("text/plain; version=0.0.4; charset=utf-8");
    return opts.metrics();
  });
  app.post("/v1/clusters", async (req, reply) => send(reply, await ops.register(req.body ?? {}, req.caller)));
  app.get("/v1/clusters/:id", async (req: WithId, reply) => send(reply, await ops.show(req.params.id, req.caller)));
  app.put("/v1/clusters/:id", async (req: WithId, reply) =>
    send(reply, await ops.move(req.params.id, req.body ?? {}, req.caller)),
  );
  app.post("/v1/clusters/:id/heartbeat", async (req: WithId, reply) =>
    send(reply, await ops.heartbeat(req.params.id, req.caller)),
  );
  app.delete("/v1/clusters/:id", async (req: WithId, reply) =>
    send(reply, await ops.remove(req.params.id, req.caller)),
  );
}

export async function createControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 4096,
    routerOptions: { maxParamLength: 128 },
    return503OnClosing: true,
    // Fastify gets a server object of its own that never listens: it must not attach handlers to the real one.
    serverFactory: (h) => {
      handler = h;
      return createServer();
    },
  });
  const { counters, limiter, trusted } = opts;
  app.decorateRequest("caller", undefined as unknown as Caller);
  // An empty body with a JSON content type (curl -H 'content-type: application/json' -X POST) means "no body".
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    const body = String(text);
    if (body.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch {
      done(Object.assign(new Error("the body is not valid JSON"), { statusCode: 400 }), undefined);
    }
  });

  app.addHook("onRequest", async (req, reply) => {
    counters.inFlight++;
    reply.raw.once("close", () => counters.inFlight--);
    const address = clientAddress(req.raw.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
    req.caller =
      req.headers.authorization === undefined ? { address } : { address, authorization: req.headers.authorization };
    if (req.url === "/healthz") return;
    const decision = await limiter.take(address);
    if (!decision.allowed) {
      counters.rateLimited++;
      return send(reply, {
        status: 429,
        body: { error: `too many requests from ${address}; retry in ${decision.retryAfter} s` },
        headers: { "retry-after": String(decision.retryAfter) },
      });
    }
  });
  app.addHook("onResponse", async (_req, reply) => {
    counters.countResponse(reply.statusCode);
  });
  app.setNotFoundHandler((req, reply) => {
    send(reply, { status: 404, body: { error: `no such endpoint: ${req.method} ${req.url.split("?")[0]}` } });
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const message =
      status === 413
        ? `the body is larger than ${opts.bodyLimit ?? 4096} bytes`
        : status >= 500
          ? "internal error"
          : err.message;
    if (status >= 500) process.stderr.write(`gateway control plane: ${err.message}\n`);
    send(reply, { status, body: { error: message } });
  });
  routes(app, opts);
  await app.ready();
  const ready = handler;
  if (!ready) throw new Error("Fastify did not hand over its request handler");
  return {
    handle: ready,
    close: () => app.close(),
  };
}
