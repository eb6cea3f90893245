/**
 * Authentication of every API request, deny by default: anything under `/api/` (and `/metrics`) needs a valid access
 * token except the three cookie endpoints of `/api/v1/auth`. The token comes from `Authorization: Bearer …` (never a
 * cookie, so no request forged by another site carries it) or, on a WebSocket upgrade, from the subprotocols the
 * client offers (`skipper.auth`, <token>) so it never travels in a URL. A valid token also needs a live session (its
 * refresh-token family) and a user that still exists.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { LOGS_SUBPROTOCOL } from "../../core/console/api.ts";
import { unauthorized } from "../errors.ts";

const PUBLIC = new Set(["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"]);

function needsAuth(path: string): boolean {
  if (PUBLIC.has(path)) return false;
  return path === "/api" || path.startsWith("/api/") || path === "/metrics";
}

/** The offered subprotocols of a WebSocket upgrade: `skipper.auth` and the token. */
export function tokenFromSubprotocols(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const offered = header.split(",").map((p) => p.trim());
  if (!offered.includes(LOGS_SUBPROTOCOL)) return undefined;
  const others = offered.filter((p) => p !== LOGS_SUBPROTOCOL);
  return others.length === 1 ? others[0] : undefined;
}

function tokenOf(request: FastifyRequest): string | undefined {
  if (request.headers.upgrade?.toLowerCase() === "websocket") {
    return tokenFromSubprotocols(request.headers["sec-websocket-protocol"]);
  }
  const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(request.headers.authorization ?? "");
  return m?.[1];
}

export function authentication(app: FastifyInstance): void {
  app.decorateRequest("user", undefined);
  app.addHook("onRequest", async (request) => {
    const path = (request.url.split("?")[0] ?? "/").replace(/\/{2,}/g, "/");
    if (!needsAuth(path)) return;
    const token = tokenOf(request);
    if (token === undefined) {
      throw unauthorized(
        request.headers.upgrade !== undefined
          ? `offer the subprotocols "${LOGS_SUBPROTOCOL}" and your access token`
          : "log in first: send Authorization: Bearer <accessToken>",
      );
    }
    const { tokens, sessions, users } = app.console;
    const claims = await tokens.verify(token);
    if (claims === undefined) throw unauthorized("the access token is invalid or expired; refresh it or log in again");
    if (!sessions.isActive(claims.family)) throw unauthorized("this session has ended; log in again");
    const user = await users.find(claims.email);
    if (user === undefined) throw unauthorized("this account no longer exists");
    request.user = user;
  });
}
