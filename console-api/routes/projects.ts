/**
 * Projects are Skipper's namespaces (labelled `skipper.dev/project`). Everyone sees the projects they belong to
 * (admins all); admins create projects and set who belongs to them.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  type CreateProjectRequest,
  createProjectSchema,
  membersSchema,
  type ProjectView,
  type PutMembersRequest,
  projectSchema,
  projectsSchema,
  putMembersSchema,
} from "../../core/console/api.ts";
import { iso } from "../../core/console/pods.ts";
import { LABEL_MANAGED_BY, MANAGED_BY } from "../../core/labels.ts";
import { requireAdmin, requireProject, visibleProjects } from "../access.ts";
import { userOf } from "../context.ts";
import { badRequest, conflict } from "../errors.ts";
import { kubeStatus } from "../kube/client.ts";
import { projectParams, replies } from "./schemas.ts";

type WithProject = FastifyRequest<{ Params: { project: string } }>;

export async function projectRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;

  app.get("/projects", { schema: { response: replies(projectsSchema) } }, async (request) => {
    const user = userOf(request);
    const [namespaces, deployments, statefulSets] = await Promise.all([
      visibleProjects(ctx, user),
      ctx.cluster.deployments(),
      ctx.cluster.statefulSets(),
    ]);
    const count = (list: readonly { metadata?: { namespace?: string } }[], ns: string) =>
      list.filter((o) => o.metadata?.namespace === ns).length;
    const projects: ProjectView[] = namespaces.map((ns) => {
      const name = ns.metadata?.name ?? "";
      return {
        name,
        stackOwned: ns.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY,
        apps: count(deployments, name),
        services: count(statefulSets, name),
        createdAt: iso(ns.metadata?.creationTimestamp) ?? "",
      };
    });
    return { projects };
  });

  app.post(
    "/projects",
    { schema: { body: createProjectSchema, response: replies(projectSchema, 201) } },
    async (request: FastifyRequest<{ Body: CreateProjectRequest }>, reply) => {
      const actor = userOf(request);
      requireAdmin(actor, "create projects");
      const name = request.body.name;
      if (name.startsWith("kube-") || name === "default" || name === ctx.settings.namespace)
        throw badRequest(`"${name}" is reserved; choose another project name`);
      try {
        const ns = await ctx.cluster.createProject(name);
        await ctx.audit.record({ actor: actor.email, action: "project.create", target: name, outcome: "ok" });
        reply.code(201);
        return { name, stackOwned: false, apps: 0, services: 0, createdAt: iso(ns.metadata?.creationTimestamp) ?? "" };
      } catch (err) {
        if (kubeStatus(err) === 409) throw conflict(`a namespace "${name}" already exists`);
        throw err;
      }
    },
  );

  app.get(
    "/projects/:project/members",
    { schema: { params: projectParams, response: replies(membersSchema) } },
    async (request: WithProject) => {
      const user = userOf(request);
      const { project } = request.params;
      await requireProject(ctx, user, project, "read");
      const members = (await ctx.users.all())
        .filter((u) => u.projects.includes(project))
        .map((u) => ({ email: u.email, role: u.role }))
        .sort((a, b) => a.email.localeCompare(b.email));
      return { project, members };
    },
  );

  app.put(
    "/projects/:project/members",
    { schema: { params: projectParams, body: putMembersSchema, response: replies(membersSchema) } },
    async (request: FastifyRequest<{ Params: { project: string }; Body: PutMembersRequest }>) => {
      const actor = userOf(request);
      const { project } = request.params;
      await requireProject(ctx, actor, project, "read");
      requireAdmin(actor, "change project members");
      const wanted = new Set(request.body.members.map((e) => e.toLowerCase()));
      const members = await ctx.users.update((users) => {
        const unknown = [...wanted].filter((e) => !users.some((u) => u.email === e));
        if (unknown.length > 0) throw badRequest(`no such user: ${unknown.join(", ")}`);
        const next = users.map((u) => {
          const has = u.projects.includes(project);
          if (wanted.has(u.email) === has) return u;
          return { ...u, projects: has ? u.projects.filter((p) => p !== project) : [...u.projects, project] };
        });
        const result = next
          .filter((u) => u.projects.includes(project))
          .map((u) => ({ email: u.email, role: u.role }))
          .sort((a, b) => a.email.localeCompare(b.email));
        return { users: next, result };
      });
      await ctx.audit.record({
        actor: actor.email,
        action: "project.members",
        target: project,
        outcome: "ok",
        detail: members.map((m) => m.email).join(","),
      });
      return { project, members };
    },
  );
}
