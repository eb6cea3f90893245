// The web console's static plugin: hashed assets cached as immutable, the HTML shell revalidated and under a strict
// CSP, compression, and the paths it must never answer with HTML (API, probes, missing files, traversal).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { WebBundleError } from "../../../console-api/web/assets.ts";
import { CONSOLE_CSP, isPagePath, webConsole } from "../../../console-api/web/plugin.ts";

const shellHtml =
  '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body></body></html>';
const script = `export const x = ${JSON.stringify("console ".repeat(400))};\n`;
const style = `body { color: red; }\n${".a { margin: 0 }\n".repeat(100)}`;

let dir: string;
let app: FastifyInstance;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "skipper-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), shellHtml);
  writeFileSync(join(dir, "assets", "index-AbC123.js"), script);
  writeFileSync(join(dir, "assets", "index-Def456.css"), style);
  writeFileSync(join(dir, "secret.txt"), "not served");
  app = Fastify();
  app.get("/healthz", async () => ({ ok: true }));
  app.get("/api/v1/me", async () => ({ email: "a@b.c" }));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "not found" }));
  await app.register(webConsole, { webDir: dir });
  await app.ready();
});

after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("HTML shell", () => {
  for (const url of ["/", "/apps/shop/web", "/login?next=%2Fapps", "/index.html"]) {
    test(`${url} gets the shell with a strict CSP and no-cache`, async () => {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers["content-type"]), /^text\/html/);
      assert.equal(response.body, shellHtml);
      assert.equal(response.headers["cache-control"], "no-cache");
      assert.equal(response.headers["content-security-policy"], CONSOLE_CSP);
      assert.equal(response.headers["x-content-type-options"], "nosniff");
      assert.equal(response.headers["x-frame-options"], "DENY");
      assert.ok(response.headers.etag);
    });
  }

  test("the CSP allows no inline script, no eval and no other origin", () => {
    const directives = new Map(CONSOLE_CSP.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    assert.deepEqual(directives.get("script-src"), ["'self'"]);
    assert.deepEqual(directives.get("style-src"), ["'self'"]);
    assert.deepEqual(directives.get("default-src"), ["'none'"]);
    assert.deepEqual(directives.get("connect-src"), ["'self'"]);
    assert.deepEqual(directives.get("frame-ancestors"), ["'none'"]);
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-|\*|https?:/);
  });

  test("a matching If-None-Match gets 304 without a body", async () => {
    const first = await app.inject({ url: "/" });
    const second = await app.inject({ url: "/projects", headers: { "if-none-match": String(first.headers.etag) } });
    assert.equal(second.statusCode, 304);
    assert.equal(second.body, "");
  });
});

describe("hashed assets", () => {
  test("served with a year of immutable cache and their content type", async () => {
    const response = await app.inject({ url: "/assets/index-AbC123.js" });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.match(String(response.headers["content-type"]), /^text\/javascript/);
    assert.equal(response.body, script);
    const css = await app.inject({ url: "/assets/index-Def456.css" });
    assert.match(String(css.headers["content-type"]), /^text\/css/);
  });

  test("compressed with brotli or gzip as the client accepts, identity otherwise", async () => {
    const br = await app.inject({ url: "/assets/index-AbC123.js", headers: { "accept-encoding": "gzip, br" } });
    assert.equal(br.headers["content-encoding"], "br");
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), script);
    assert.ok(br.rawPayload.length < script.length / 4, `brotli body ${br.rawPayload.length} bytes`);

    const gzip = await app.inject({ url: "/assets/index-AbC123.js", headers: { "accept-encoding": "gzip, br;q=0" } });
    assert.equal(gzip.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(gzip.rawPayload).toString(), script);

    const plain = await app.inject({ url: "/assets/index-AbC123.js", headers: { "accept-encoding": "identity" } });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body, script);
    assert.equal(plain.headers.vary, "Accept-Encoding");
  });

  for (const url of [
    "/assets/missing-123.js",
    "/assets/",
    "/assets/..%2Fsecret.txt",
    "/assets/%2e%2e/secret.txt",
    "/secret.txt",
    "/favicon.ico",
  ]) {
    test(`${url} is a 404 from the app's handler, never HTML or a file outside assets/`, async () => {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404);
      assert.deepEqual(response.json(), { error: "not found" });
    });
  }
});

describe("routes the shell leaves alone", () => {
  test("API routes, unknown API paths and probes keep their own answers", async () => {
    assert.deepEqual((await app.inject({ url: "/api/v1/me" })).json(), { email: "a@b.c" });
    assert.deepEqual((await app.inject({ url: "/healthz" })).json(), { ok: true });
    const unknown = await app.inject({ url: "/api/v1/nothing-here" });
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json(), { error: "not found" });
    assert.equal((await app.inject({ url: "/metrics" })).statusCode, 404);
  });

  test("isPagePath: pages yes; API, probes, assets and file names no", () => {
    for (const path of ["/", "/apps", "/apps/p/a", "/users", "/index.html"]) assert.equal(isPagePath(path), true, path);
    for (const path of ["/api", "/api/v1/x", "/healthz", "/metrics", "/assets/x.js", "/robots.txt", "/a/b.map"])
      assert.equal(isPagePath(path), false, path);
  });
});

describe("loading", () => {
  test("a directory without a build fails at registration, saying how to build the console", async () => {
    const empty = mkdtempSync(join(tmpdir(), "skipper-web-empty-"));
    try {
      const server = Fastify();
      await assert.rejects(
        async () => {
          await server.register(webConsole, { webDir: empty });
          await server.ready();
        },
        (error: Error) => error instanceof WebBundleError && /npm run build --prefix console/.test(error.message),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
