/**
 * Apps: the project's Deployments. Anyone who can read the project sees them; deployers and admins restart and
 * scale them. Apps declared in the stack are the stack's: a scale here lasts until the next `pulumi up` (the reply
 * says so and shows the declared replicas), and a change of image or env is refused with the stack file named.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  type AppChangeRequest,
  appChangeSchema,
  appDetailSchema,
  appsSchema,
  restartSchema,
  type ScaleRequest,
  scaleRequestSchema,
  scaleSchema,
} from "../../core/console/api.ts";
import {
  appDetail,
  appView,
  isStackOwned,
  NO_URLS,
  PodIndex,
  stackNotice,
  UrlIndex,
} from "../../core/console/workloads.ts";
import { requireProject } from "../access.ts";
import { userOf } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import { appParams, projectParams, replies } from "./schemas.ts";

type AppRequest = FastifyRequest<{ Params: { project: string; app: string } }>;

export async function appRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;
  const { cluster } = ctx;

  async function deploymentOf(project: string, name: string) {
    const d = await cluster.deployment(project, name);
    if (d === undefined) throw notFound(`no app "${name}" in project "${project}"`);
    return d;
  }

  app.get(
    "/projects/:project/apps",
    { schema: { params: projectParams, response: replies(appsSchema) } },
    async (request: FastifyRequest<{ Params: { project: string } }>) => {
      const { project } = request.params;
      await requireProject(ctx, userOf(request), project, "read");
      const [deployments, pods, ingresses, events] = await Promise.all([
        cluster.deployments(project),
        cluster.pods(project),
        cluster.ingresses(project),
        cluster.events(project),
      ]);
      return cluster.cache.derive(`apps/${project}`, [deployments, pods, ingresses, events], () => {
        const index = new PodIndex(pods);
        const urls = new UrlIndex(ingresses);
        const apps = deployments
          .map((d) => appView(d, index, urls, events))
          .sort((a, b) => a.name.localeCompare(b.name));
        return { apps };
      });
    },
  );

  app.get(
    "/projects/:project/apps/:app",
    { schema: { params: appParams, response: replies(appDetailSchema) } },
    async (request: AppRequest) => {
      const { project, app: name } = request.params;
      await requireProject(ctx, userOf(request), project, "read");
      const [d, pods, ingresses, events] = await Promise.all([
        deploymentOf(project, name),
        cluster.pods(project),
        cluster.ingresses(project),
        cluster.events(project),
      ]);
      return appDetail(d, new PodIndex(pods), ingresses, events, ctx.settings.stackFile);
    },
  );

  app.post(
    "/projects/:project/apps/:app/restart",
    { schema: { params: appParams, response: replies(restartSchema) } },
    async (request: AppRequest) => {
      const actor = userOf(request);
      const { project, app: name } = request.params;
      await requireProject(ctx, actor, project, "operate");
      await deploymentOf(project, name);
      const restartedAt = new Date().toISOString();
      await cluster.restartDeployment(project, name, restartedAt);
      await ctx.audit.record({
        actor: actor.email,
        action: "app.restart",
        target: `${project}/${name}`,
        outcome: "ok",
      });
      return { app: name, restartedAt };
    },
  );

  app.put(
    "/projects/:project/apps/:app/scale",
    { schema: { params: appParams, body: scaleRequestSchema, response: replies(scaleSchema) } },
    async (request: FastifyRequest<{ Params: { project: string; app: string }; Body: ScaleRequest }>) => {
      const actor = userOf(request);
      const { project, app: name } = request.params;
      await requireProject(ctx, actor, project, "operate");
      const before = await deploymentOf(project, name);
      const { replicas } = request.body;
      await cluster.scaleDeployment(project, name, replicas);
      const after = (await cluster.deployment(project, name)) ?? before;
      await ctx.audit.record({
        actor: actor.email,
        action: "app.scale",
        target: `${project}/${name}`,
        outcome: "ok",
        detail: `${before.spec?.replicas ?? 1} → ${replicas}`,
      });
      const view = appView(after, new PodIndex([]), NO_URLS, []);
      return {
        app: name,
        replicas: view.replicas,
        ...(isStackOwned(after) && {
          notice: `Scaled to ${replicas} until the next \`pulumi up\`, which sets it back to ${view.replicas.declared ?? "the declared count"} as ${ctx.settings.stackFile} declares.`,
        }),
      };
    },
  );

  app.patch(
    "/projects/:project/apps/:app",
    { schema: { params: appParams, body: appChangeSchema, response: replies(appDetailSchema) } },
    async (request: FastifyRequest<{ Params: { project: string; app: string }; Body: AppChangeRequest }>) => {
      const actor = userOf(request);
      const { project, app: name } = request.params;
      await requireProject(ctx, actor, project, "operate");
      const d = await deploymentOf(project, name);
      const fields = Object.keys(request.body).join(" and ");
      if (isStackOwned(d)) {
        await ctx.audit.record({
          actor: actor.email,
          action: "app.change",
          target: `${project}/${name}`,
          outcome: "denied",
          detail: `${fields}: stack-owned`,
        });
        throw conflict(
          `app "${name}" is declared in ${ctx.settings.stackFile}: change its ${fields || "spec"} there and run \`pulumi up\`. ${stackNotice(ctx.settings.stackFile)}`,
        );
      }
      const container = d.spec?.template.spec?.containers[0]?.name ?? name;
      const { image, env } = request.body;
      const envPatch =
        env === undefined
          ? undefined
          : Object.entries(env).map(([k, v]) => (v === null ? { name: k, $patch: "delete" } : { name: k, value: v }));
      await cluster.patchDeployment(project, name, {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: container,
                  ...(image !== undefined && { image }),
                  ...(envPatch !== undefined && { env: envPatch }),
                },
              ],
            },
          },
        },
      });
      await ctx.audit.record({
        actor: actor.email,
        action: "app.change",
        target: `${project}/${name}`,
        outcome: "ok",
        detail: fields,
      });
      const [fresh, pods, ingresses, events] = await Promise.all([
        deploymentOf(project, name),
        cluster.pods(project),
        cluster.ingresses(project),
        cluster.events(project),
      ]);
      return appDetail(fresh, new PodIndex(pods), ingresses, events, ctx.settings.stackFile);
    },
  );
}
