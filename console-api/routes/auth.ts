/**
 * `/api/v1/auth`: login (argon2id check behind the login limiter), refresh (rotating cookie, reuse revokes the
 * family) and logout. The refresh token lives only in an HttpOnly, SameSite=Strict cookie scoped to this path; the
 * access token only in the JSON answer (the web console keeps it in memory).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type LoginRequest, loginRequestSchema, type SessionResponse, sessionSchema } from "../../core/console/api.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { HttpError, unauthorized } from "../errors.ts";
import type { StoredUser } from "../users/store.ts";
import { noContent, replies } from "./schemas.ts";

export const REFRESH_COOKIE = "skipper_refresh";
const COOKIE_PATH = "/api/v1/auth";

function setRefreshCookie(app: FastifyInstance, reply: FastifyReply, token: string): void {
  reply.setCookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    secure: app.console.settings.secureCookies,
    sameSite: "strict",
    path: COOKIE_PATH,
    maxAge: app.console.sessions.maxAgeSeconds,
  });
}

function clearRefreshCookie(app: FastifyInstance, reply: FastifyReply): void {
  reply.clearCookie(REFRESH_COOKIE, {
    httpOnly: true,
    secure: app.console.settings.secureCookies,
    sameSite: "strict",
    path: COOKIE_PATH,
  });
}

async function session(app: FastifyInstance, user: StoredUser, family: string): Promise<SessionResponse> {
  const { token, expiresIn } = await app.console.tokens.issue({ email: user.email, family });
  return { accessToken: token, expiresIn, user: { email: user.email, role: user.role } };
}

export async function authRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;

  app.post(
    "/login",
    { schema: { body: loginRequestSchema, response: replies(sessionSchema) } },
    async (request: FastifyRequest<{ Body: LoginRequest }>, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const decision = ctx.limiter.attempt(email, request.ip);
      if (!decision.allowed) {
        ctx.metrics.logins.inc({ outcome: "limited" });
        const who = decision.scope === "account" ? "this account" : "your address";
        throw new HttpError(429, `too many login attempts for ${who}; try again in ${decision.retryAfter} s`, {
          "retry-after": String(decision.retryAfter),
        });
      }
      const user = await ctx.users.find(email);
      if (!(await verifyPassword(user?.passwordHash, request.body.password)) || user === undefined) {
        ctx.limiter.failed(email);
        ctx.metrics.logins.inc({ outcome: "denied" });
        await ctx.audit.record({ actor: email, action: "login", target: email, outcome: "denied", detail: request.ip });
        throw unauthorized("wrong email or password");
      }
      ctx.limiter.succeeded(email);
      ctx.metrics.logins.inc({ outcome: "ok" });
      const started = ctx.sessions.start(user.email);
      setRefreshCookie(app, reply, started.token);
      await ctx.audit.record({
        actor: user.email,
        action: "login",
        target: user.email,
        outcome: "ok",
        detail: request.ip,
      });
      return session(app, user, started.family);
    },
  );

  app.post("/refresh", { schema: { response: replies(sessionSchema) } }, async (request, reply) => {
    const token = request.cookies[REFRESH_COOKIE];
    if (token === undefined || token === "") throw unauthorized("no session: log in");
    const rotated = ctx.sessions.rotate(token);
    if (!rotated.ok) {
      clearRefreshCookie(app, reply);
      if (rotated.reason === "reused" && rotated.email !== undefined) {
        await ctx.audit.record({
          actor: rotated.email,
          action: "session.reuse",
          target: rotated.email,
          outcome: "denied",
          detail: `a spent refresh token was presented from ${request.ip}; the session was ended`,
        });
      }
      throw unauthorized("this session has ended; log in again");
    }
    const user = await ctx.users.find(rotated.email);
    if (user === undefined) {
      ctx.sessions.revoke(rotated.family);
      clearRefreshCookie(app, reply);
      throw unauthorized("this account no longer exists");
    }
    setRefreshCookie(app, reply, rotated.token);
    return session(app, user, rotated.family);
  });

  app.post("/logout", { schema: { response: noContent } }, async (request, reply) => {
    const token = request.cookies[REFRESH_COOKIE];
    const family = token === undefined ? undefined : ctx.sessions.familyOf(token);
    if (family !== undefined) ctx.sessions.revoke(family);
    clearRefreshCookie(app, reply);
    return reply.code(204).send();
  });
}
