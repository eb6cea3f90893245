// Typed calls to the console-api's pinned REST API, one function per route.
import { request } from "./http";
import type {
  AppDetail,
  AppSummary,
  CreatedUser,
  Dashboard,
  LoginResponse,
  Me,
  Member,
  Project,
  Role,
  Route,
  ScaleResponse,
  ServiceCredentials,
  ServiceDetail,
  ServiceSummary,
  User,
} from "./types";

const p = (value: string) => encodeURIComponent(value);

export const auth = {
  login: (email: string, password: string) =>
    request<LoginResponse>("/api/v1/auth/login", { method: "POST", body: { email, password }, anonymous: true }),
  refresh: () => request<LoginResponse>("/api/v1/auth/refresh", { method: "POST", anonymous: true }),
  logout: () => request<void>("/api/v1/auth/logout", { method: "POST", anonymous: true }),
  me: () => request<Me>("/api/v1/me"),
};

export const api = {
  dashboard: () => request<Dashboard>("/api/v1/dashboard"),

  projects: async () => (await request<{ projects: Project[] }>("/api/v1/projects")).projects,
  createProject: (name: string) => request<Project>("/api/v1/projects", { method: "POST", body: { name } }),
  members: async (project: string) =>
    (await request<{ members: Member[] }>(`/api/v1/projects/${p(project)}/members`)).members,
  /** The complete member list, as emails of existing users (their role is their own). */
  setMembers: async (project: string, emails: string[]) =>
    (
      await request<{ members: Member[] }>(`/api/v1/projects/${p(project)}/members`, {
        method: "PUT",
        body: { members: emails },
      })
    ).members,

  apps: async (project: string) => (await request<{ apps: AppSummary[] }>(`/api/v1/projects/${p(project)}/apps`)).apps,
  app: (project: string, app: string) => request<AppDetail>(`/api/v1/projects/${p(project)}/apps/${p(app)}`),
  restart: (project: string, app: string) =>
    request<{ app: string; restartedAt: string }>(`/api/v1/projects/${p(project)}/apps/${p(app)}/restart`, {
      method: "POST",
    }),
  scale: (project: string, app: string, replicas: number) =>
    request<ScaleResponse>(`/api/v1/projects/${p(project)}/apps/${p(app)}/scale`, {
      method: "PUT",
      body: { replicas },
    }),

  services: async (project: string) =>
    (await request<{ services: ServiceSummary[] }>(`/api/v1/projects/${p(project)}/services`)).services,
  service: (project: string, service: string) =>
    request<ServiceDetail>(`/api/v1/projects/${p(project)}/services/${p(service)}`),
  credentials: (project: string, service: string) =>
    request<ServiceCredentials>(`/api/v1/projects/${p(project)}/services/${p(service)}/credentials`),

  routes: async () => (await request<{ routes: Route[] }>("/api/v1/routes")).routes,

  users: async () => (await request<{ users: User[] }>("/api/v1/users")).users,
  createUser: (user: { email: string; role: Role; projects?: string[]; password?: string }) =>
    request<CreatedUser>("/api/v1/users", { method: "POST", body: user }),
  updateUser: (email: string, change: { role?: Role; projects?: string[] }) =>
    request<User>(`/api/v1/users/${p(email)}`, { method: "PUT", body: change }),
  resetPassword: (email: string) =>
    request<CreatedUser>(`/api/v1/users/${p(email)}/reset-password`, { method: "POST", body: {} }),
  removeUser: (email: string) => request<void>(`/api/v1/users/${p(email)}`, { method: "DELETE" }),
};

/** The WebSocket URL of an app's live logs (the token travels as a subprotocol, never here). */
export function logsUrl(
  location: { protocol: string; host: string },
  project: string,
  app: string,
  options: { tail: number; pod?: string; follow: boolean },
): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ tail: String(options.tail), follow: String(options.follow) });
  if (options.pod) query.set("pod", options.pod);
  return `${scheme}//${location.host}/api/v1/projects/${p(project)}/apps/${p(app)}/logs?${query}`;
}
