/**
 * Data plane behaviour over real sockets: Host routing, header handling in both directions, response framings,
 * keep-alive reuse of upstream connections, and the gateway's own pages.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import {
  BASE,
  get,
  type Harness,
  listen,
  rawRequest,
  startProxyHarness,
  startUpstream,
  statusOf,
  type Upstream,
} from "./support-proxy.ts";

let gw: Harness;
let alpha: Upstream;
let beta: Upstream;
let shaped: Upstream;

before(async () => {
  gw = await startProxyHarness();
  alpha = await startUpstream("alpha");
  beta = await startUpstream("beta");
  shaped = await startUpstream("shaped", (req, res) => {
    const url = new URL(req.url!, "http://x");
    switch (url.pathname) {
      case "/chunked": {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("one,");
        setTimeout(() => res.end("two"), 20);
        return;
      }
      case "/close": {
        // No length, no chunking: the body ends when the upstream closes the connection.
        const socket = res.socket!;
        socket.end("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil-close");
        return;
      }
      case "/hop": {
        res.writeHead(200, {
          connection: "x-secret, keep-alive",
          "x-secret": "must not leak",
          "keep-alive": "timeout=5",
          "proxy-authenticate": "Basic",
          "x-kept": "yes",
        });
        res.end("hop");
        return;
      }
      case "/empty":
        res.writeHead(204, { "x-empty": "1" });
        res.end();
        return;
      case "/not-modified":
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      case "/status":
        res.writeHead(418, "I'm a teapot", { "set-cookie": ["a=1", "b=2"] });
        res.end("short and stout");
        return;
      default:
        res.writeHead(200, { "content-length": "5" });
        res.end("plain");
    }
  });
  gw.clusters.set("1-2-3-4", { ip: "127.0.0.1", port: alpha.port });
  gw.clusters.set("acme", { ip: "127.0.0.1", port: beta.port });
  gw.clusters.set("shapes", { ip: "127.0.0.1", port: shaped.port });
});

after(async () => {
  await gw.close();
  await Promise.all([alpha.close(), beta.close(), shaped.close()]);
});

test("each host reaches the cluster its label names, with the original Host", async () => {
  const cases: Array<[string, string]> = [
    [`1-2-3-4.${BASE}`, "alpha"],
    [`hello-1-2-3-4.${BASE}`, "alpha"],
    [`console-1-2-3-4.${BASE}`, "alpha"],
    [`acme.${BASE}`, "beta"],
    [`hello--acme.${BASE}`, "beta"],
    [`my-app--acme.${BASE}`, "beta"],
    [`HELLO--ACME.${BASE.toUpperCase()}`, "beta"],
    [`hello--acme.${BASE}.`, "beta"],
    [`hello--acme.${BASE}:8443`, "beta"],
  ];
  for (const [host, expected] of cases) {
    const r = await get(gw.port, host, "/path?q=1");
    assert.equal(r.status, 200, host);
    const body = JSON.parse(r.body) as { upstream: string; host: string; url: string };
    assert.equal(body.upstream, expected, host);
    assert.equal(body.host, host, "the upstream sees the Host the client sent");
    assert.equal(body.url, "/path?q=1");
  }
});

test("a host naming no registered cluster gets the 404 page and reaches nobody", async () => {
  const before = alpha.seen.length + beta.seen.length + shaped.seen.length;
  for (const host of [`nobody.${BASE}`, `9-9-9-9.${BASE}`, `hello--nobody.${BASE}`, "example.com", BASE]) {
    const r = await get(gw.port, host);
    assert.equal(r.status, 404, host);
    assert.match(r.body, /No Skipper app is registered/);
    assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
  }
  assert.equal(alpha.seen.length + beta.seen.length + shaped.seen.length, before);
});

test("X-Forwarded-* are set by the gateway and client claims are dropped from untrusted peers", async () => {
  alpha.seen.length = 0;
  await get(gw.port, `fwd-1-2-3-4.${BASE}`, "/", {
    "x-forwarded-for": "6.6.6.6",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "evil.example",
    "x-forwarded-port": "1",
    forwarded: "for=6.6.6.6",
    "x-real-ip": "6.6.6.6",
  });
  const seen = alpha.seen[0]!;
  assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
  assert.equal(seen.headers["x-forwarded-proto"], "http");
  assert.equal(seen.headers["x-forwarded-host"], `fwd-1-2-3-4.${BASE}`);
  assert.equal(seen.headers["x-forwarded-port"], undefined);
  assert.equal(seen.headers.forwarded, undefined);
  assert.equal(seen.headers["x-real-ip"], undefined);
  const xffCount = seen.rawHeaders.filter(
    (_, i) => i % 2 === 0 && seen.rawHeaders[i]!.toLowerCase() === "x-forwarded-for",
  );
  assert.equal(xffCount.length, 1);
});

test("a trusted proxy's X-Forwarded-For is extended and its proto and host believed", async () => {
  const trustedGw = await startProxyHarness({ trusted: (a) => a === "127.0.0.1" });
  try {
    trustedGw.clusters.set("1-2-3-4", { ip: "127.0.0.1", port: alpha.port });
    alpha.seen.length = 0;
    await get(trustedGw.port, `1-2-3-4.${BASE}`, "/", {
      "x-forwarded-for": "198.51.100.7",
      "x-forwarded-proto": "https",
      "x-forwarded-host": `app-1-2-3-4.${BASE}`,
      "x-real-ip": "198.51.100.7",
    });
    const seen = alpha.seen[0]!;
    assert.equal(seen.headers["x-forwarded-for"], "198.51.100.7, 127.0.0.1");
    assert.equal(seen.headers["x-forwarded-proto"], "https");
    assert.equal(seen.headers["x-forwarded-host"], `app-1-2-3-4.${BASE}`);
    assert.equal(seen.headers["x-real-ip"], "198.51.100.7");
  } finally {
    await trustedGw.close();
  }
});

test("hop-by-hop request headers and the headers Connection lists are removed", async () => {
  alpha.seen.length = 0;
  const raw = await rawRequest(
    gw.port,
    `GET /h HTTP/1.1\r\nHost: 1-2-3-4.${BASE}\r\nConnection: close, x-private\r\nX-Private: secret\r\n` +
      "Keep-Alive: timeout=9\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Connection: keep-alive\r\n" +
      "TE: trailers\r\nTrailer: x-t\r\nUpgrade: h2c\r\nX-End-To-End: kept\r\n\r\n",
  );
  assert.equal(statusOf(raw), 200);
  const h = alpha.seen[0]!.headers;
  for (const name of [
    "x-private",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
  ]) {
    assert.equal(h[name], undefined, name);
  }
  assert.notEqual(h.connection, "close", "the client's Connection header is not forwarded");
  assert.equal(h["x-end-to-end"], "kept");
});

test("hop-by-hop response headers are removed; status, reason and repeated headers pass through", async () => {
  const hop = await get(gw.port, `shapes.${BASE}`, "/hop");
  assert.equal(hop.status, 200);
  assert.equal(hop.body, "hop");
  assert.equal(hop.headers["x-secret"], undefined);
  assert.equal(hop.headers["proxy-authenticate"], undefined);
  assert.equal(hop.headers["keep-alive"], undefined);
  assert.equal(hop.headers["x-kept"], "yes");

  const raw = await rawRequest(gw.port, `GET /status HTTP/1.1\r\nHost: shapes.${BASE}\r\nConnection: close\r\n\r\n`);
  assert.match(raw, /^HTTP\/1\.1 418 I'm a teapot\r\n/);
  assert.match(raw, /set-cookie: a=1\r\n/i);
  assert.match(raw, /set-cookie: b=2\r\n/i);
  assert.match(raw, /\r\n\r\nf\r\nshort and stout\r\n0\r\n\r\n$/, "re-chunked towards the client");
});

test("chunked, close-delimited, 204, 304 and HEAD responses are framed correctly", async () => {
  const chunked = await get(gw.port, `shapes.${BASE}`, "/chunked");
  assert.equal(chunked.body, "one,two");
  const close = await get(gw.port, `shapes.${BASE}`, "/close");
  assert.equal(close.body, "until-close");
  const empty = await get(gw.port, `shapes.${BASE}`, "/empty");
  assert.equal(empty.status, 204);
  assert.equal(empty.headers["x-empty"], "1");
  const nm = await get(gw.port, `shapes.${BASE}`, "/not-modified");
  assert.equal(nm.status, 304);
  assert.equal(nm.headers.etag, '"v1"');
  // Several requests on one client connection: each response must be framed so the next one parses.
  const pipelined = await rawRequest(
    gw.port,
    `HEAD /x HTTP/1.1\r\nHost: shapes.${BASE}\r\n\r\n` +
      `GET /empty HTTP/1.1\r\nHost: shapes.${BASE}\r\n\r\n` +
      `GET /chunked HTTP/1.1\r\nHost: shapes.${BASE}\r\n\r\n` +
      `GET /x HTTP/1.1\r\nHost: shapes.${BASE}\r\nConnection: close\r\n\r\n`,
  );
  const statuses = [...pipelined.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 204, 200, 200]);
  assert.match(pipelined, /\r\n\r\n4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n/);
  assert.match(pipelined, /plain$/);
});

test("an absolute-form target does not change routing and reaches the upstream in origin form", async () => {
  beta.seen.length = 0;
  alpha.seen.length = 0;
  const raw = await rawRequest(
    gw.port,
    `GET http://1-2-3-4.${BASE}/abs?x=1 HTTP/1.1\r\nHost: hello--acme.${BASE}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(raw), 200);
  assert.equal(alpha.seen.length, 0, "the authority in the target is ignored");
  assert.equal(beta.seen.length, 1);
  assert.equal(beta.seen[0]!.url, "/abs?x=1");
});

test("upstream connections are kept alive and reused across requests", async () => {
  const before = gw.plane.stats();
  for (let i = 0; i < 30; i++) {
    const r = await get(gw.port, `1-2-3-4.${BASE}`, `/n${i}`);
    assert.equal(r.status, 200);
  }
  const after = gw.plane.stats();
  assert.equal(after.upstreamConnectsTotal - before.upstreamConnectsTotal <= 1, true, "at most one new connection");
  assert.ok(after.upstreamReusesTotal - before.upstreamReusesTotal >= 29);
  assert.equal(after.inFlight, 0);
});

test("request bodies with Content-Length and chunked encoding arrive intact", async () => {
  alpha.seen.length = 0;
  const body = "x".repeat(10_000);
  const r1 = await rawRequest(
    gw.port,
    `POST /cl HTTP/1.1\r\nHost: 1-2-3-4.${BASE}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  assert.equal(statusOf(r1), 200);
  const r2 = await rawRequest(
    gw.port,
    `POST /te HTTP/1.1\r\nHost: 1-2-3-4.${BASE}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
  );
  assert.equal(statusOf(r2), 200);
  assert.equal(alpha.seen[0]!.body.toString(), body);
  assert.equal(alpha.seen[1]!.body.toString(), "hello world");
  assert.equal(alpha.seen[1]!.headers["transfer-encoding"], "chunked");
});

test("stats count what happened", async () => {
  const s = gw.plane.stats();
  assert.ok(s.requestsTotal > 0);
  assert.ok(s.proxiedTotal > 0);
  assert.ok(s.notFoundTotal >= 5);
  assert.equal(s.inFlight, 0);
});

test("a reused connection closed by the upstream is retried once for idempotent requests only", async (t) => {
  // Answers the first request on each connection, then closes the connection when a second one arrives, unanswered:
  // what a keep-alive race with the upstream's idle timeout looks like.
  let connections = 0;
  const flaky = net.createServer((socket) => {
    connections++;
    let served = 0;
    socket.on("error", () => {});
    socket.on("data", (d: Buffer) => {
      const heads = d.toString("latin1").split("\r\n\r\n").length - 1;
      for (let i = 0; i < heads; i++) {
        if (served++ === 0) socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        else socket.destroy();
      }
    });
  });
  const port = await listen(flaky);
  t.after(() => flaky.close());
  gw.clusters.set("flaky", { ip: "127.0.0.1", port });
  const host = `flaky.${BASE}`;
  assert.equal((await get(gw.port, host)).status, 200);
  assert.equal((await get(gw.port, host)).status, 200, "GET on the dead kept-alive connection is retried");
  const post = await rawRequest(gw.port, `POST / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  assert.equal(statusOf(post), 502, "a POST is not replayed");
  assert.equal(connections, 2, "the POST went to the pooled connection and was not replayed on a new one");
});
