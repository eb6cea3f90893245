/** The first admin: created from the given email and password only while no user exists at all. */
import { hashPassword } from "../auth/passwords.ts";
import type { UserStore } from "./store.ts";

export type BootstrapResult = "created" | "users-exist" | "no-admin-given";

export async function ensureFirstAdmin(
  users: UserStore,
  admin: { readonly email: string; readonly password: string } | undefined,
): Promise<BootstrapResult> {
  if ((await users.all()).length > 0) return "users-exist";
  if (admin === undefined) return "no-admin-given";
  if (admin.password.length < 12) throw new Error("SKIPPER_ADMIN_PASSWORD must be at least 12 characters");
  const email = admin.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    throw new Error(`SKIPPER_ADMIN_EMAIL is not an email address: ${JSON.stringify(admin.email)}`);
  const passwordHash = await hashPassword(admin.password);
  return users.update((list) => {
    if (list.length > 0) return { users: list, result: "users-exist" as const };
    const user = { email, role: "admin" as const, projects: [], passwordHash, createdAt: new Date().toISOString() };
    return { users: [user], result: "created" as const };
  });
}
