/**
 * Who may do what. Roles: `admin` (everything), `deployer` (operate the projects they are a member of), `viewer`
 * (read the projects they are a member of). A project the user may not read does not exist for them (404, the same
 * answer as for a project that does not exist); an action their role does not allow is 403.
 */
import type { V1Namespace } from "@kubernetes/client-node";
import type { ConsoleContext } from "./context.ts";
import { forbidden, notFound } from "./errors.ts";
import type { StoredUser } from "./users/store.ts";

export type Need = "read" | "operate";

export function canRead(user: StoredUser, project: string): boolean {
  return user.role === "admin" || user.projects.includes(project);
}

export function canOperate(user: StoredUser, project: string): boolean {
  return canRead(user, project) && (user.role === "admin" || user.role === "deployer");
}

export function requireAdmin(user: StoredUser, what: string): void {
  if (user.role !== "admin") throw forbidden(`only admins can ${what}`);
}

/** The projects (namespaces) the user may read, sorted by name. */
export async function visibleProjects(ctx: ConsoleContext, user: StoredUser): Promise<V1Namespace[]> {
  const all = await ctx.cluster.projects();
  return all
    .filter((ns) => ns.metadata?.name !== undefined && canRead(user, ns.metadata.name))
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}

/** Check the user may `need` the project; 404 when they may not see it, 403 when their role falls short. */
export async function requireProject(
  ctx: ConsoleContext,
  user: StoredUser,
  project: string,
  need: Need,
): Promise<void> {
  const exists = canRead(user, project) && (await ctx.cluster.projects()).some((ns) => ns.metadata?.name === project);
  if (!exists) throw notFound(`project "${project}" not found`);
  if (need === "operate" && !canOperate(user, project))
    throw forbidden(
      `your role (${user.role}) can look at project "${project}" but not change it; ask an admin for deployer`,
    );
}
