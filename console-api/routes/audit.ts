/** `GET /api/v1/audit?limit=`: the newest audit entries, admins only. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { auditSchema } from "../../core/console/api.ts";
import { requireAdmin } from "../access.ts";
import { MAX_ENTRIES } from "../audit.ts";
import { userOf } from "../context.ts";
import { replies } from "./schemas.ts";

const query = {
  type: "object",
  additionalProperties: false,
  properties: { limit: { type: "integer", minimum: 1, maximum: MAX_ENTRIES, default: 200 } },
} as const;

export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/audit",
    { schema: { querystring: query, response: replies(auditSchema) } },
    async (request: FastifyRequest<{ Querystring: { limit: number } }>) => {
      requireAdmin(userOf(request), "read the audit log");
      return { entries: await app.console.audit.entries(request.query.limit) };
    },
  );
}
