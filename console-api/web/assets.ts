// The built web console (console/dist) held in memory: the HTML shell and every hashed file under assets/, each
// with its content type, a strong ETag and gzip/brotli variants computed once at start. Requests are answered by an
// exact name lookup, so no request path ever reaches the file system.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

export interface WebFile {
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  type: string;
  etag: string;
}

export interface WebBundle {
  shell: WebFile;
  /** By file name under assets/ (Vite writes them flat, names carry a content hash). */
  assets: Map<string, WebFile>;
}

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};
const compressible = new Set([".html", ".js", ".mjs", ".css", ".json", ".map", ".svg", ".txt"]);
/** A built console is a few hundred KB; refuse a directory that is clearly something else. */
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

function webFile(name: string, body: Buffer): WebFile {
  const ext = extname(name).toLowerCase();
  const file: WebFile = {
    body,
    type: types[ext] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
  };
  if (compressible.has(ext) && body.length > 512) {
    const gzip = gzipSync(body, { level: 9 });
    const br = brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 10, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
    if (gzip.length < body.length) file.gzip = gzip;
    if (br.length < body.length) file.br = br;
  }
  return file;
}

export class WebBundleError extends Error {
  override name = "WebBundleError";
}

/** Load a built console from `webDir`; throws a WebBundleError that says how to build it when something is missing. */
export function loadWebBundle(webDir: string): WebBundle {
  const build = "build it with `npm ci --prefix console && npm run build --prefix console`";
  let shellBody: Buffer;
  try {
    shellBody = readFileSync(join(webDir, "index.html"));
  } catch {
    throw new WebBundleError(
      `web console directory ${webDir} has no index.html: ${build}, or unset SKIPPER_CONSOLE_WEB_DIR`,
    );
  }
  const assets = new Map<string, WebFile>();
  const assetDir = join(webDir, "assets");
  let total = shellBody.length;
  let names: string[] = [];
  try {
    names = readdirSync(assetDir);
  } catch {
    throw new WebBundleError(`web console directory ${webDir} has no assets/ folder: ${build}`);
  }
  for (const name of names) {
    const path = join(assetDir, name);
    if (!statSync(path).isFile()) continue;
    const body = readFileSync(path);
    total += body.length;
    if (total > MAX_TOTAL_BYTES) {
      throw new WebBundleError(`web console directory ${webDir} holds more than 32 MiB: is it the console's dist/?`);
    }
    assets.set(name, webFile(name, body));
  }
  return { shell: webFile("index.html", shellBody), assets };
}

/** The best encoding the client accepts for this file (q=0 means refused). */
export function pickEncoding(acceptEncoding: string | undefined, file: WebFile): "br" | "gzip" | null {
  if (!acceptEncoding) return null;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [token, ...params] = part.trim().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (token && !(q && Number(q.slice(2)) === 0)) accepted.add(token.trim());
  }
  if (file.br && (accepted.has("br") || accepted.has("*"))) return "br";
  if (file.gzip && (accepted.has("gzip") || accepted.has("*"))) return "gzip";
  return null;
}
