/**
 * The console-api as a Fastify application, one concern per plugin: JSON errors (plugins/errors.ts), metrics
 * (plugins/metrics.ts), authentication of every API route (plugins/auth.ts), the refresh cookie (@fastify/cookie),
 * WebSockets (@fastify/websocket, subprotocol `skipper.auth`), the route groups in routes/, and, when `webDir` is
 * given, the web console's static files (console-api/web/).
 *
 * `createConsoleApp` returns the app without listening; console-api/main.ts (the process) and `kip console` listen.
 */
import fastifyCookie from "@fastify/cookie";
import fastifyWebsocket from "@fastify/websocket";
import type { KubeConfig } from "@kubernetes/client-node";
import Fastify, { type FastifyInstance } from "fastify";
import { LOGS_SUBPROTOCOL } from "../core/console/api.ts";
import { AuditLog } from "./audit.ts";
import { LoginLimiter, type LoginLimits } from "./auth/login-limit.ts";
import { type SessionOptions, Sessions } from "./auth/sessions.ts";
import { type SigningKey, TokenIssuer } from "./auth/tokens.ts";
import type { ConsoleContext, ConsoleSettings } from "./context.ts";
import { ReadCache } from "./kube/cache.ts";
import { createKube } from "./kube/client.ts";
import { Cluster } from "./kube/cluster.ts";
import { authentication } from "./plugins/auth.ts";
import { errorHandling } from "./plugins/errors.ts";
import { ConsoleMetrics, recordRequests } from "./plugins/metrics.ts";
import { appRoutes } from "./routes/apps.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { healthRoutes } from "./routes/health.ts";
import { hostRoutes } from "./routes/hosts.ts";
import { logRoutes } from "./routes/logs.ts";
import { projectRoutes } from "./routes/projects.ts";
import { serviceRoutes } from "./routes/services.ts";
import { userRoutes } from "./routes/users.ts";
import { UserStore } from "./users/store.ts";

export interface ConsoleAppOptions {
  readonly kube: KubeConfig;
  readonly signingKey: SigningKey;
  /** The console's namespace (users Secret, audit log). @default "skipper-console" */
  readonly namespace?: string;
  /** @default "stacks/skipper.ts" */
  readonly stackFile?: string;
  readonly clusterId?: string;
  readonly gatewayDomain?: string;
  /** The built web console (console/dist) to serve from the same origin. */
  readonly webDir?: string;
  /** Refresh cookies with `Secure`. @default true */
  readonly secureCookies?: boolean;
  /** Addresses/CIDRs of proxies whose X-Forwarded-For is believed (for the login limit per client). */
  readonly trustedProxies?: readonly string[];
  readonly loginLimits?: LoginLimits;
  readonly sessions?: SessionOptions;
  /** @default 300 */
  readonly tokenLifetimeSeconds?: number;
  /** How long Kubernetes lists are shared between requests. @default 1000 */
  readonly cacheTtlMs?: number;
  /** @default 30000 */
  readonly logPingMs?: number;
  /** @default 65536 */
  readonly bodyLimit?: number;
  /** Audit lines and warnings (default stdout/stderr). */
  readonly print?: (line: string) => void;
  readonly warn?: (line: string) => void;
  /** Collect process metrics (off in tests that start many apps). @default true */
  readonly processMetrics?: boolean;
}

export async function createConsoleApp(options: ConsoleAppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 65_536;
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const app = Fastify({
    logger: false,
    bodyLimit,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    trustProxy:
      options.trustedProxies !== undefined && options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true } },
  });
  const kube = createKube(options.kube);
  const namespace = options.namespace ?? "skipper-console";
  const settings: ConsoleSettings = {
    namespace,
    stackFile: options.stackFile ?? "stacks/skipper.ts",
    ...(options.clusterId !== undefined && { clusterId: options.clusterId }),
    ...(options.gatewayDomain !== undefined && { gatewayDomain: options.gatewayDomain.toLowerCase() }),
    secureCookies: options.secureCookies ?? true,
    logPingMs: options.logPingMs ?? 30_000,
  };
  const audience = `skipper-console${options.clusterId !== undefined ? `:${options.clusterId}` : ""}`;
  const context: ConsoleContext = {
    settings,
    cluster: new Cluster(kube, new ReadCache(options.cacheTtlMs ?? 1000)),
    users: new UserStore(kube.core, namespace),
    audit: new AuditLog(kube.core, namespace, options.print, warn),
    tokens: new TokenIssuer(options.signingKey, {
      issuer: "skipper-console",
      audience,
      lifetimeSeconds: options.tokenLifetimeSeconds ?? 300,
    }),
    sessions: new Sessions(options.sessions),
    limiter: new LoginLimiter(options.loginLimits),
    metrics: new ConsoleMetrics(options.processMetrics ?? true),
    routes: [],
  };
  app.decorate("console", context);
  const sweep = setInterval(() => {
    context.sessions.sweep();
    context.limiter.sweep();
  }, 60_000);
  sweep.unref();
  app.addHook("onClose", async () => clearInterval(sweep));

  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) if (method !== "HEAD") context.routes.push({ method, url: route.url });
  });
  errorHandling(app, bodyLimit, warn);
  // A refused WebSocket upgrade is answered over the raw socket, which nothing else would close afterwards.
  app.addHook("onResponse", async (request) => {
    if (request.headers.upgrade !== undefined) request.raw.socket?.end();
  });
  recordRequests(app, context.metrics);
  authentication(app);
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: 4096,
      handleProtocols: (offered: Set<string>) => (offered.has(LOGS_SUBPROTOCOL) ? LOGS_SUBPROTOCOL : false),
    },
  });
  await app.register(healthRoutes);
  await app.register(authRoutes, { prefix: "/api/v1/auth" });
  for (const routes of [
    userRoutes,
    projectRoutes,
    appRoutes,
    serviceRoutes,
    hostRoutes,
    dashboardRoutes,
    auditRoutes,
    logRoutes,
  ]) {
    await app.register(routes, { prefix: "/api/v1" });
  }
  if (options.webDir !== undefined) {
    const { webConsole } = await import("./web/plugin.ts");
    await app.register(webConsole, { webDir: options.webDir });
  }
  return app;
}
