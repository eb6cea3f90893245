/** `GET /healthz` for probes (no auth, no Kubernetes call) and `GET /metrics` (Prometheus text, admins only). */
import type { FastifyInstance } from "fastify";
import { requireAdmin } from "../access.ts";
import { userOf } from "../context.ts";

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/healthz",
    {
      schema: {
        response: {
          200: {
            type: "object",
            additionalProperties: false,
            properties: { status: { type: "string" } },
            required: ["status"],
          },
        },
      },
    },
    async () => ({ status: "ok" }),
  );
  app.get("/metrics", { schema: { response: { 200: { type: "string" } } } }, async (request, reply) => {
    requireAdmin(userOf(request), "read metrics");
    reply.type(app.console.metrics.registry.contentType);
    return app.console.metrics.registry.metrics();
  });
}
