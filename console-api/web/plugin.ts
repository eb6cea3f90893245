// Fastify plugin serving the built web console from the console-api's own origin (no CORS): hashed files under
// /assets/ cached for a year as immutable, the HTML shell for every page path, never cached without revalidation
// and with a strict Content-Security-Policy (scripts and styles only from this origin: no inline script, no eval).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loadWebBundle, pickEncoding, type WebBundle, type WebFile } from "./assets.ts";

export interface WebConsoleOptions {
  /** The console's build output (console/dist): index.html and assets/. */
  webDir: string;
}

/** The shell's Content-Security-Policy. `connect-src 'self'` covers the logs WebSocket on the same origin. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

const SHELL_HEADERS: Record<string, string> = {
  "cache-control": "no-cache",
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

const ASSET_HEADERS: Record<string, string> = {
  "cache-control": "public, max-age=31536000, immutable",
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "same-origin",
};

/** Paths the shell never answers: the API, probes, metrics and files (a missing file is a 404, not HTML). */
export function isPagePath(path: string): boolean {
  if (path === "/" || path === "/index.html") return true;
  if (path.startsWith("/api/") || path === "/api" || path === "/healthz" || path === "/metrics") return false;
  if (path.startsWith("/assets/")) return false;
  const last = path.slice(path.lastIndexOf("/") + 1);
  return !last.includes(".");
}

function send(request: FastifyRequest, reply: FastifyReply, file: WebFile, headers: Record<string, string>) {
  reply.headers(headers);
  reply.header("etag", file.etag);
  reply.header("vary", "Accept-Encoding");
  reply.type(file.type);
  const match = request.headers["if-none-match"];
  if (match?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === file.etag)) {
    return reply.code(304).send();
  }
  const encoding = pickEncoding(request.headers["accept-encoding"], file);
  if (encoding) {
    reply.header("content-encoding", encoding);
    return reply.send(encoding === "br" ? file.br : file.gzip);
  }
  return reply.send(file.body);
}

export async function webConsole(app: FastifyInstance, options: WebConsoleOptions): Promise<void> {
  const bundle: WebBundle = loadWebBundle(options.webDir);

  app.get<{ Params: { "*": string } }>("/assets/*", (request, reply) => {
    const file = bundle.assets.get(request.params["*"]);
    if (!file) return reply.callNotFound();
    return send(request, reply, file, ASSET_HEADERS);
  });

  const shell = (request: FastifyRequest, reply: FastifyReply) => {
    const path = (request.url.split("?")[0] ?? "/").replace(/\/{2,}/g, "/");
    if (!isPagePath(path)) return reply.callNotFound();
    return send(request, reply, bundle.shell, SHELL_HEADERS);
  };
  app.get("/", shell);
  app.get("/*", shell);
}

export default webConsole;
