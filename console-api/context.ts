/**
 * What every route of the console-api shares, decorated onto the Fastify instance as `app.console`, and the
 * authenticated user decorated onto each request.
 */
import type { AuditLog } from "./audit.ts";
import type { LoginLimiter } from "./auth/login-limit.ts";
import type { Sessions } from "./auth/sessions.ts";
import type { TokenIssuer } from "./auth/tokens.ts";
import type { Cluster } from "./kube/cluster.ts";
import type { ConsoleMetrics } from "./plugins/metrics.ts";
import type { StoredUser, UserStore } from "./users/store.ts";

export interface ConsoleSettings {
  /** The console's own namespace (users Secret, audit log). */
  readonly namespace: string;
  /** Named when a change to a stack-owned app is refused. */
  readonly stackFile: string;
  readonly clusterId?: string;
  readonly gatewayDomain?: string;
  /** Refresh cookies get `Secure` (off only when serving plain HTTP on loopback). */
  readonly secureCookies: boolean;
  /** Live logs: WebSocket ping interval. */
  readonly logPingMs: number;
}

export interface ConsoleContext {
  readonly settings: ConsoleSettings;
  readonly cluster: Cluster;
  readonly users: UserStore;
  readonly audit: AuditLog;
  readonly tokens: TokenIssuer;
  readonly sessions: Sessions;
  readonly limiter: LoginLimiter;
  readonly metrics: ConsoleMetrics;
  /** Every route served (method and URL pattern), for tests and tooling that must cover them all. */
  readonly routes: { readonly method: string; readonly url: string }[];
}

declare module "fastify" {
  interface FastifyInstance {
    console: ConsoleContext;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated route. */
    user: StoredUser | undefined;
  }
}

/** The authenticated user of a request on a route behind the auth hook. */
export function userOf(request: { user: StoredUser | undefined }): StoredUser {
  if (request.user === undefined) throw new Error("route reached without authentication");
  return request.user;
}
