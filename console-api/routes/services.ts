/**
 * Services: the project's StatefulSets (databases, caches). Readers see them; their credentials (the
 * `<service>-credentials` Secret) go only to deployers and admins of the project, and every read is audited.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { CredentialsResponse } from "../../core/console/api.ts";
import { credentialsSchema, serviceDetailSchema, servicesSchema } from "../../core/console/api.ts";
import { PodIndex, serviceDetail, serviceView } from "../../core/console/workloads.ts";
import { credentialsSecretName } from "../../core/render/names.ts";
import { requireProject } from "../access.ts";
import { userOf } from "../context.ts";
import { notFound } from "../errors.ts";
import { projectParams, replies, serviceParams } from "./schemas.ts";

type ServiceRequest = FastifyRequest<{ Params: { project: string; service: string } }>;

/** Secret keys → reply fields. */
const FIELDS = {
  HOST: "host",
  PORT: "port",
  USERNAME: "username",
  PASSWORD: "password",
  DATABASE: "database",
  URL: "url",
} as const;

export async function serviceRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;
  const { cluster } = ctx;

  async function statefulSetOf(project: string, name: string) {
    const s = await cluster.statefulSet(project, name);
    if (s === undefined) throw notFound(`no service "${name}" in project "${project}"`);
    return s;
  }

  app.get(
    "/projects/:project/services",
    { schema: { params: projectParams, response: replies(servicesSchema) } },
    async (request: FastifyRequest<{ Params: { project: string } }>) => {
      const { project } = request.params;
      await requireProject(ctx, userOf(request), project, "read");
      const [sets, pods, events] = await Promise.all([
        cluster.statefulSets(project),
        cluster.pods(project),
        cluster.events(project),
      ]);
      const index = new PodIndex(pods);
      return { services: sets.map((s) => serviceView(s, index, events)).sort((a, b) => a.name.localeCompare(b.name)) };
    },
  );

  app.get(
    "/projects/:project/services/:service",
    { schema: { params: serviceParams, response: replies(serviceDetailSchema) } },
    async (request: ServiceRequest) => {
      const { project, service } = request.params;
      await requireProject(ctx, userOf(request), project, "read");
      const [s, pods, events] = await Promise.all([
        statefulSetOf(project, service),
        cluster.pods(project),
        cluster.events(project),
      ]);
      return serviceDetail(s, new PodIndex(pods), events, ctx.settings.stackFile);
    },
  );

  app.get(
    "/projects/:project/services/:service/credentials",
    { schema: { params: serviceParams, response: replies(credentialsSchema) } },
    async (request: ServiceRequest) => {
      const actor = userOf(request);
      const { project, service } = request.params;
      await requireProject(ctx, actor, project, "read");
      try {
        await requireProject(ctx, actor, project, "operate");
      } catch (err) {
        await ctx.audit.record({
          actor: actor.email,
          action: "service.credentials",
          target: `${project}/${service}`,
          outcome: "denied",
        });
        throw err;
      }
      await statefulSetOf(project, service);
      const secret = await cluster.secret(project, credentialsSecretName(service));
      if (secret?.data === undefined) throw notFound(`service "${service}" has no credentials Secret`);
      const reply: Record<string, string> = { service };
      for (const [key, field] of Object.entries(FIELDS)) {
        const value = secret.data[key];
        if (value !== undefined) reply[field] = Buffer.from(value, "base64").toString("utf8");
      }
      await ctx.audit.record({
        actor: actor.email,
        action: "service.credentials",
        target: `${project}/${service}`,
        outcome: "ok",
      });
      return reply as CredentialsResponse;
    },
  );
}
