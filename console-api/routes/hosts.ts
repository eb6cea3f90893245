/** `GET /api/v1/routes`: every host of the projects the user can read, the app behind it and its TLS state. */
import type { FastifyInstance } from "fastify";
import { routesSchema } from "../../core/console/api.ts";
import { certificateState, routeCandidates, routeView, tlsWithoutSecret } from "../../core/console/routes.ts";
import { visibleProjects } from "../access.ts";
import { userOf } from "../context.ts";
import { replies } from "./schemas.ts";

export async function hostRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;
  app.get("/routes", { schema: { response: replies(routesSchema) } }, async (request) => {
    const user = userOf(request);
    const projects = new Set((await visibleProjects(ctx, user)).map((ns) => ns.metadata?.name));
    const ingresses = (await ctx.cluster.ingresses()).filter((i) => projects.has(i.metadata?.namespace));
    const candidates = routeCandidates(ingresses);
    const secrets = new Map<string, ReturnType<typeof certificateState>>();
    const routes = [];
    for (const c of candidates) {
      if (c.tlsSecret === undefined) {
        routes.push(routeView(c, tlsWithoutSecret(c.host, ctx.settings.gatewayDomain)));
        continue;
      }
      const key = `${c.project}/${c.tlsSecret}`;
      let tls = secrets.get(key);
      if (tls === undefined) {
        tls = certificateState(c.tlsSecret, await ctx.cluster.secret(c.project, c.tlsSecret));
        secrets.set(key, tls);
      }
      routes.push(routeView(c, tls));
    }
    return { routes };
  });
}
