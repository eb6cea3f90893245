/**
 * `/api/v1/me` and the admin's user management. Users are stored with argon2id hashes that never leave the server
 * (the reply schemas list only email, role, projects and createdAt); a password the server generates is returned
 * once, in the reply that created it. Changing a role, the projects, the password, or deleting a user ends their
 * sessions. The last admin cannot be removed or demoted, and nobody deletes their own account.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  type CreateUserRequest,
  createUserSchema,
  meSchema,
  type ResetPasswordRequest,
  resetPasswordSchema,
  type UpdateUserRequest,
  type UserView,
  updateUserSchema,
  userSchema,
  usersSchema,
  userWithPasswordSchema,
} from "../../core/console/api.ts";
import { requireAdmin, visibleProjects } from "../access.ts";
import { generatePassword, hashPassword } from "../auth/passwords.ts";
import { userOf } from "../context.ts";
import { badRequest, conflict, notFound } from "../errors.ts";
import type { StoredUser } from "../users/store.ts";
import { emailParams, noContent, replies } from "./schemas.ts";

export function userView(u: StoredUser): UserView {
  return { email: u.email, role: u.role, projects: [...u.projects].sort(), createdAt: u.createdAt };
}

function adminsLeft(users: readonly StoredUser[]): number {
  return users.filter((u) => u.role === "admin").length;
}

type WithEmail = FastifyRequest<{ Params: { email: string } }>;

export async function userRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;

  async function checkProjects(projects: readonly string[] | undefined): Promise<void> {
    if (projects === undefined) return;
    const known = new Set((await ctx.cluster.projects()).map((ns) => ns.metadata?.name));
    const missing = projects.filter((p) => !known.has(p));
    if (missing.length > 0) throw badRequest(`no such project: ${missing.join(", ")}`);
  }

  app.get("/me", { schema: { response: replies(meSchema) } }, async (request) => {
    const user = userOf(request);
    const projects = (await visibleProjects(ctx, user)).map((ns) => ns.metadata?.name ?? "");
    return { email: user.email, role: user.role, projects };
  });

  app.get("/users", { schema: { response: replies(usersSchema) } }, async (request) => {
    requireAdmin(userOf(request), "list users");
    const users = await ctx.users.all();
    return { users: users.map(userView).sort((a, b) => a.email.localeCompare(b.email)) };
  });

  app.post(
    "/users",
    { schema: { body: createUserSchema, response: replies(userWithPasswordSchema, 201) } },
    async (request: FastifyRequest<{ Body: CreateUserRequest }>, reply) => {
      const actor = userOf(request);
      requireAdmin(actor, "create users");
      const email = request.body.email.trim().toLowerCase();
      await checkProjects(request.body.projects);
      const generated = request.body.password === undefined ? generatePassword() : undefined;
      const passwordHash = await hashPassword(request.body.password ?? generated!);
      const created = await ctx.users.update((users) => {
        if (users.some((u) => u.email === email)) throw conflict(`a user ${email} already exists`);
        const user: StoredUser = {
          email,
          role: request.body.role,
          projects: [...new Set(request.body.projects ?? [])],
          passwordHash,
          createdAt: new Date().toISOString(),
        };
        return { users: [...users, user], result: user };
      });
      await ctx.audit.record({
        actor: actor.email,
        action: "user.create",
        target: email,
        outcome: "ok",
        detail: created.role,
      });
      reply.code(201);
      return { user: userView(created), ...(generated !== undefined && { password: generated }) };
    },
  );

  app.put(
    "/users/:email",
    { schema: { params: emailParams, body: updateUserSchema, response: replies(userSchema) } },
    async (request: FastifyRequest<{ Params: { email: string }; Body: UpdateUserRequest }>) => {
      const actor = userOf(request);
      requireAdmin(actor, "change users");
      const email = request.params.email.toLowerCase();
      await checkProjects(request.body.projects);
      const updated = await ctx.users.update((users) => {
        const at = users.findIndex((u) => u.email === email);
        if (at < 0) throw notFound(`no user ${email}`);
        const user: StoredUser = {
          ...users[at]!,
          ...(request.body.role !== undefined && { role: request.body.role }),
          ...(request.body.projects !== undefined && { projects: [...new Set(request.body.projects)] }),
        };
        const next = users.map((u, i) => (i === at ? user : u));
        if (adminsLeft(next) === 0) throw conflict("that would leave no admin; make someone else admin first");
        return { users: next, result: user };
      });
      ctx.sessions.revokeUser(email);
      await ctx.audit.record({
        actor: actor.email,
        action: "user.update",
        target: email,
        outcome: "ok",
        detail: `role=${updated.role} projects=${updated.projects.join(",")}`,
      });
      return userView(updated);
    },
  );

  app.post(
    "/users/:email/reset-password",
    { schema: { params: emailParams, body: resetPasswordSchema, response: replies(userWithPasswordSchema) } },
    async (request: FastifyRequest<{ Params: { email: string }; Body: ResetPasswordRequest | undefined }>) => {
      const actor = userOf(request);
      requireAdmin(actor, "reset passwords");
      const email = request.params.email.toLowerCase();
      const given = request.body?.password;
      const generated = given === undefined ? generatePassword() : undefined;
      const passwordHash = await hashPassword(given ?? generated!);
      const user = await ctx.users.update((users) => {
        const at = users.findIndex((u) => u.email === email);
        if (at < 0) throw notFound(`no user ${email}`);
        const changed = { ...users[at]!, passwordHash };
        return { users: users.map((u, i) => (i === at ? changed : u)), result: changed };
      });
      ctx.sessions.revokeUser(email);
      await ctx.audit.record({ actor: actor.email, action: "user.reset-password", target: email, outcome: "ok" });
      return { user: userView(user), ...(generated !== undefined && { password: generated }) };
    },
  );

  app.delete(
    "/users/:email",
    { schema: { params: emailParams, response: noContent } },
    async (request: WithEmail, reply) => {
      const actor = userOf(request);
      requireAdmin(actor, "delete users");
      const email = request.params.email.toLowerCase();
      if (email === actor.email) throw conflict("you cannot delete your own account");
      await ctx.users.update((users) => {
        if (!users.some((u) => u.email === email)) throw notFound(`no user ${email}`);
        const next = users.filter((u) => u.email !== email);
        if (adminsLeft(next) === 0) throw conflict("that would leave no admin");
        return { users: next, result: undefined };
      });
      ctx.sessions.revokeUser(email);
      await ctx.audit.record({ actor: actor.email, action: "user.delete", target: email, outcome: "ok" });
      return reply.code(204).send();
    },
  );
}
