/**
 * One valid call of every console-api route (as an admin, against support.ts's seed), in an order that works when
 * run one after another. Tests check this list covers every route the app registers.
 */
export interface Sample {
  readonly method: string;
  /** The route's URL pattern, as Fastify registers it. */
  readonly route: string;
  readonly path: string;
  readonly body?: unknown;
  /** Reachable without an access token. */
  readonly public?: boolean;
  /** A WebSocket route (exercised with a WebSocket client). */
  readonly websocket?: boolean;
}

export const SAMPLES: readonly Sample[] = [
  { method: "GET", route: "/healthz", path: "/healthz", public: true },
  { method: "POST", route: "/api/v1/auth/login", path: "/api/v1/auth/login", public: true },
  { method: "POST", route: "/api/v1/auth/refresh", path: "/api/v1/auth/refresh", public: true },
  { method: "POST", route: "/api/v1/auth/logout", path: "/api/v1/auth/logout", public: true },
  { method: "GET", route: "/metrics", path: "/metrics" },
  { method: "GET", route: "/api/v1/me", path: "/api/v1/me" },
  { method: "GET", route: "/api/v1/projects", path: "/api/v1/projects" },
  { method: "POST", route: "/api/v1/projects", path: "/api/v1/projects", body: { name: "fresh" } },
  { method: "GET", route: "/api/v1/users", path: "/api/v1/users" },
  {
    method: "POST",
    route: "/api/v1/users",
    path: "/api/v1/users",
    body: { email: "sample@example.com", role: "viewer", projects: ["shop"] },
  },
  {
    method: "PUT",
    route: "/api/v1/users/:email",
    path: "/api/v1/users/sample@example.com",
    body: { role: "deployer" },
  },
  {
    method: "POST",
    route: "/api/v1/users/:email/reset-password",
    path: "/api/v1/users/sample@example.com/reset-password",
    body: {},
  },
  { method: "GET", route: "/api/v1/projects/:project/members", path: "/api/v1/projects/shop/members" },
  {
    method: "PUT",
    route: "/api/v1/projects/:project/members",
    path: "/api/v1/projects/shop/members",
    body: { members: ["sample@example.com"] },
  },
  { method: "DELETE", route: "/api/v1/users/:email", path: "/api/v1/users/sample@example.com" },
  { method: "GET", route: "/api/v1/projects/:project/apps", path: "/api/v1/projects/shop/apps" },
  { method: "GET", route: "/api/v1/projects/:project/apps/:app", path: "/api/v1/projects/shop/apps/web" },
  {
    method: "POST",
    route: "/api/v1/projects/:project/apps/:app/restart",
    path: "/api/v1/projects/shop/apps/web/restart",
  },
  {
    method: "PUT",
    route: "/api/v1/projects/:project/apps/:app/scale",
    path: "/api/v1/projects/shop/apps/web/scale",
    body: { replicas: 3 },
  },
  {
    method: "PATCH",
    route: "/api/v1/projects/:project/apps/:app",
    path: "/api/v1/projects/shop/apps/manual",
    body: { env: { MODE: "fast" } },
  },
  {
    method: "GET",
    route: "/api/v1/projects/:project/apps/:app/logs",
    path: "/api/v1/projects/shop/apps/web/logs",
    websocket: true,
  },
  { method: "GET", route: "/api/v1/projects/:project/services", path: "/api/v1/projects/shop/services" },
  { method: "GET", route: "/api/v1/projects/:project/services/:service", path: "/api/v1/projects/shop/services/db" },
  {
    method: "GET",
    route: "/api/v1/projects/:project/services/:service/credentials",
    path: "/api/v1/projects/shop/services/db/credentials",
  },
  { method: "GET", route: "/api/v1/routes", path: "/api/v1/routes" },
  { method: "GET", route: "/api/v1/dashboard", path: "/api/v1/dashboard" },
  { method: "GET", route: "/api/v1/audit", path: "/api/v1/audit" },
];
