/**
 * JSON in, JSON errors out: a JSON body parser that answers 400 for malformed JSON, and error and not-found handlers
 * that answer `{"error": "…"}` with the right status and never a stack trace. Kubernetes failures become 502 (or the
 * matching 404/409), with the API server's message only when it is about the request, not about the server.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { HttpError } from "../errors.ts";
import { kubeStatus } from "../kube/client.ts";

export function errorHandling(app: FastifyInstance, bodyLimit: number, warn: (line: string) => void): void {
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

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no such endpoint: ${request.method} ${request.url.split("?")[0]}` });
  });

  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    if (err instanceof HttpError) {
      reply.headers(err.headers);
      return reply.code(err.statusCode).send({ error: err.message });
    }
    const k8s = kubeStatus(err);
    if (k8s !== undefined) {
      if (k8s === 404)
        return reply.code(404).send({ error: "not found in the cluster (it may have just been deleted)" });
      if (k8s === 409) return reply.code(409).send({ error: "the object changed meanwhile; reload and try again" });
      warn(`skipper console: ${request.method} ${request.routeOptions.url}: Kubernetes API answered ${k8s}`);
      return reply.code(502).send({ error: `the Kubernetes API answered ${k8s}; see the console-api's log` });
    }
    const f = err as FastifyError;
    if (f.validation !== undefined) return reply.code(400).send({ error: f.message });
    const status = typeof f.statusCode === "number" && f.statusCode >= 400 && f.statusCode < 500 ? f.statusCode : 500;
    if (status === 413) return reply.code(413).send({ error: `the body is larger than ${bodyLimit} bytes` });
    if (status < 500) return reply.code(status).send({ error: f.message });
    warn(`skipper console: ${request.method} ${request.routeOptions.url}: ${err.message}`);
    return reply.code(500).send({ error: "internal error; see the console-api's log" });
  });
}
