// What each role may do in the UI. The console-api enforces the same rules; the UI only hides what would be refused.
import type { Role } from "../api/types";

export type Action =
  | "operate" // restart, scale
  | "reveal-credentials"
  | "create-project"
  | "edit-members"
  | "manage-users";

const allowed: Record<Role, readonly Action[]> = {
  admin: ["operate", "reveal-credentials", "create-project", "edit-members", "manage-users"],
  deployer: ["operate", "reveal-credentials"],
  viewer: [],
};

export function can(role: Role | null | undefined, action: Action): boolean {
  return role ? allowed[role].includes(action) : false;
}
