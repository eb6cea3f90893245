import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { isBaseHost } from "../../gateway/server.ts";
import { tempDataPath } from "./registry-helpers.ts";
import { ADMIN_TOKEN, BASE, call, startGateway } from "./server-process.ts";

const ARGS = ["--allow-private", "--admin-token", ADMIN_TOKEN];

/** A trivial upstream that answers with what it saw, after `delayMs`. */
async function upstream(
  t: TestContext,
  delayMs = 0,
): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    setTimeout(() => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ host: req.headers.host, xff: req.headers["x-forwarded-for"], url: req.url }));
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
      if (!server.listening) resolve();
    });
  t.after(close);
  return { port: (server.address() as AddressInfo).port, hits: () => hits, close };
}

test("isBaseHost accepts the base domain in any case, with a port or trailing dot, and nothing else", () => {
  for (const h of ["gw.test", "GW.Test", "gw.test.", "gw.test:443", "gw.test.:8080"])
    assert.equal(isBaseHost(h, "gw.test"), true, h);
  for (const h of [
    undefined,
    "",
    "x.gw.test",
    "gw.test.evil",
    "gw.tests",
    "agw.test",
    "gw.test:",
    "gw.test:abc",
    "[::1]",
  ]) {
    assert.equal(isBaseHost(h, "gw.test"), false, String(h));
  }
});

test("the base domain reaches the control plane; cluster names reach their cluster; other hosts are never proxied", async (t) => {
  const up = await upstream(t);
  const gw = await startGateway(t, tempDataPath(t), ARGS);
  const reg = await call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: up.port } });
  assert.equal(reg.status, 201, reg.text);

  const app = await call(gw.port, "GET", "/hello?x=1", { host: `hello-127-0-0-1.${BASE}` });
  assert.equal(app.status, 200, app.text);
  assert.equal(app.json.host, `hello-127-0-0-1.${BASE}`, "the original Host goes upstream");
  assert.equal(app.json.url, "/hello?x=1");
  assert.equal(up.hits(), 1);

  for (const host of [BASE, "GW.TEST.", `${BASE}:443`]) {
    const h = await call(gw.port, "GET", "/healthz", { host });
    assert.deepEqual(h.json, { status: "ok" }, `control plane for Host ${host}`);
  }
  const root = await call(gw.port, "GET", "/", { host: BASE });
  assert.equal(root.status, 404);
  assert.match(root.json.error, /no such endpoint/);
  for (const host of ["other.example", `nobody.${BASE}`, "127.0.0.1", `x.hello-127-0-0-1.${BASE}`]) {
    const r = await call(gw.port, "GET", "/", { host });
    assert.equal(r.status, 404, `Host ${host}`);
  }
  assert.equal(up.hits(), 1, "nothing else reached the upstream");

  const upgrade = await new Promise<number>((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port: gw.port,
      headers: { host: BASE, connection: "upgrade", upgrade: "websocket" },
    });
    req.on("response", (res) => resolve(res.statusCode ?? 0));
    req.on("upgrade", () => resolve(101));
    req.on("error", reject);
    req.end();
  });
  assert.equal(upgrade, 404, "the control plane takes no upgrades");
});

test("SIGTERM lets in-flight requests finish, stops accepting, flushes the registry and exits 0", async (t) => {
  const slow = await upstream(t, 800);
  const path = tempDataPath(t);
  const gw = await startGateway(t, path, ARGS);
  const reg = await call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: slow.port } });
  assert.equal(reg.status, 201);
  const inFlight = call(gw.port, "GET", "/slow", { host: `web-127-0-0-1.${BASE}` });
  const lastWrite = call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: 9, name: "last" } });
  await new Promise((r) => setTimeout(r, 200));
  gw.child.kill("SIGTERM");
  const [slowReply, lastReply] = await Promise.all([inFlight, lastWrite]);
  assert.equal(slowReply.status, 200, "the in-flight request finished");
  assert.equal(slowReply.json.url, "/slow");
  assert.equal(lastReply.status, 201);
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(call(gw.port, "GET", "/healthz"), /ECONNREFUSED/, "no new connections while draining");
  const { code } = await gw.exited;
  assert.equal(code, 0, gw.output());
  assert.match(gw.output(), /stopped: in-flight requests finished, registry flushed/);

  const again = await startGateway(t, path, ARGS);
  assert.match(again.output(), /registrations=2 /);
  const last = await call(again.port, "GET", "/v1/clusters/last", { token: lastReply.json.token });
  assert.equal(last.status, 200);
});

test("--workers 2: the primary owns the registry, every worker routes new registrations, metrics add up", async (t) => {
  const up = await upstream(t);
  const path = tempDataPath(t);
  const gw = await startGateway(t, path, [...ARGS, "--workers", "2"]);
  assert.match(gw.output(), /workers=2/);
  const reg = await call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: up.port, name: "multi" } });
  assert.equal(reg.status, 201, reg.text);
  const dup = await call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", name: "multi" } });
  assert.equal(dup.status, 409, "one writer decides, whichever worker took the request");
  // Fresh connections are spread over the workers; each must know the new cluster.
  const replies = await Promise.all(
    Array.from({ length: 20 }, () => call(gw.port, "GET", "/", { host: `app--multi.${BASE}` })),
  );
  assert.deepEqual(
    replies.map((r) => r.status),
    Array(20).fill(200),
  );
  const show = await call(gw.port, "GET", "/v1/clusters/multi", { token: reg.json.token });
  assert.equal(show.status, 200);
  // /metrics asks every worker at once (prom-client's AggregatorRegistry) and sums: whichever worker answers, the
  // figures cover both, and they move with the traffic.
  const figure = (text: string, re: RegExp) => Number(re.exec(text)?.[1]);
  const dataRequests = /^skipper_gateway_data_requests_total (\d+)$/m;
  const dataLatency = /^skipper_gateway_request_duration_seconds_count\{plane="data"\} (\d+)$/m;
  const m = await call(gw.port, "GET", "/metrics", { token: ADMIN_TOKEN });
  assert.match(m.text, /^skipper_gateway_workers 2$/m);
  assert.equal(figure(m.text, dataRequests), 20, m.text);
  assert.equal(figure(m.text, dataLatency), 20, m.text);
  assert.match(m.text, /^skipper_gateway_registrations 1$/m);
  assert.match(m.text, /^skipper_gateway_requests_total\{plane="control",code="409"\} 1$/m);
  await Promise.all(Array.from({ length: 6 }, () => call(gw.port, "GET", "/", { host: `app--multi.${BASE}` })));
  const later = await call(gw.port, "GET", "/metrics", { token: ADMIN_TOKEN });
  assert.equal(figure(later.text, dataRequests), 26, later.text);
  assert.equal(figure(later.text, dataLatency), 26, later.text);
  gw.child.kill("SIGTERM");
  assert.equal((await gw.exited).code, 0, gw.output());
  assert.match(gw.output(), /workers drained, registry flushed/);
  const again = await startGateway(t, path, [...ARGS, "--workers", "2"]);
  assert.match(again.output(), /registrations=1 /);
});

test("a cluster whose upstream is down answers 502 and counts as a proxy error in /metrics", async (t) => {
  const gone = await upstream(t);
  const gw = await startGateway(t, tempDataPath(t), ARGS);
  const reg = await call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: gone.port, name: "down" } });
  assert.equal(reg.status, 201);
  await gone.close();
  const r = await call(gw.port, "GET", "/", { host: `web--down.${BASE}` });
  assert.equal(r.status, 502);
  const m = await call(gw.port, "GET", "/metrics", { token: ADMIN_TOKEN });
  assert.match(m.text, /^skipper_gateway_proxy_errors_total 1$/m);
});
