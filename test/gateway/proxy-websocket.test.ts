/**
 * WebSocket upgrades through the data plane with real `ws` clients and servers: echo in both directions, large and
 * binary frames, close codes, forwarded headers on the upgrade request, refusals and the per-cluster tunnel cap.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import {
  BASE,
  type Harness,
  rawRequest,
  startProxyHarness,
  startUpstream,
  statusOf,
  type Upstream,
} from "./support-proxy.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let gw: Harness;
let echo: WebSocketServer;
let canary: WebSocketServer;
let canaryConnections = 0;
let plain: Upstream;
const upgradeRequests: IncomingMessage[] = [];

async function wsServer(onConnection: (ws: WebSocket, req: IncomingMessage) => void): Promise<WebSocketServer> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", onConnection);
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return server;
}

before(async () => {
  gw = await startProxyHarness({ limits: { maxTunnelsPerCluster: 3 } });
  echo = await wsServer((ws, req) => {
    upgradeRequests.push(req);
    ws.on("message", (data, binary) => {
      const text = binary ? "" : data.toString();
      if (text.startsWith("close:")) ws.close(Number(text.slice(6)), "asked to");
      else ws.send(data, { binary });
    });
  });
  canary = await wsServer(() => {
    canaryConnections++;
  });
  plain = await startUpstream("plain");
  gw.clusters.set("acme", { ip: "127.0.0.1", port: (echo.address() as AddressInfo).port });
  gw.clusters.set("plain", { ip: "127.0.0.1", port: plain.port });
});

after(async () => {
  await gw.close();
  for (const s of [echo, canary]) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  await plain.close();
});

function connect(host: string, headers: Record<string, string> = {}): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${gw.port}/socket?x=1`, { headers: { host, ...headers } });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) => ws.once("message", (data, binary) => resolve({ data: data as Buffer, binary })));
}

test("text and binary messages, small and large, echo through the gateway", async () => {
  const ws = connect(`chat--acme.${BASE}`);
  await opened(ws);
  ws.send("hello");
  const text = await nextMessage(ws);
  assert.equal(text.binary, false);
  assert.equal(text.data.toString(), "hello");
  const big = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  ws.send(big);
  const echoed = await nextMessage(ws);
  assert.equal(echoed.binary, true);
  assert.ok(echoed.data.equals(big));
  // Many small messages in flight at once keep their order.
  const got: string[] = [];
  const all = new Promise<void>((resolve) =>
    ws.on("message", (d) => {
      got.push(d.toString());
      if (got.length === 200) resolve();
    }),
  );
  for (let i = 0; i < 200; i++) ws.send(`m${i}`);
  await all;
  assert.deepEqual(
    got,
    Array.from({ length: 200 }, (_, i) => `m${i}`),
  );
  ws.close();
});

test("the upgrade request keeps Host and Upgrade and carries the gateway's X-Forwarded-*", async () => {
  upgradeRequests.length = 0;
  const ws = connect(`chat--acme.${BASE}`, { "x-forwarded-for": "6.6.6.6", "proxy-authorization": "Basic eA==" });
  await opened(ws);
  const req = upgradeRequests[0]!;
  assert.equal(req.headers.host, `chat--acme.${BASE}`);
  assert.equal(req.headers.upgrade, "websocket");
  assert.equal(req.headers.connection?.toLowerCase(), "upgrade");
  assert.equal(req.headers["x-forwarded-for"], "127.0.0.1");
  assert.equal(req.headers["x-forwarded-host"], `chat--acme.${BASE}`);
  assert.equal(req.headers["proxy-authorization"], undefined);
  assert.equal(req.url, "/socket?x=1");
  ws.close();
});

test("a close code from the upstream reaches the client and the tunnel is released", async () => {
  const ws = connect(`acme.${BASE}`);
  await opened(ws);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  ws.send("close:4001");
  assert.equal(await closed, 4001);
  for (let i = 0; i < 100 && gw.plane.stats().tunnelsOpen > 0; i++) await sleep(10);
  assert.equal(gw.plane.stats().tunnelsOpen, 0);
});

test("an upgrade for an unknown host gets 404 and reaches no server", async () => {
  for (const host of [`nobody.${BASE}`, "127.0.0.1", `127-0-0-1.${BASE}`, `[::1]`]) {
    const raw = await rawRequest(
      gw.port,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    assert.equal(statusOf(raw), 404, host);
  }
  assert.equal(canaryConnections, 0);
});

test("an upstream that does not switch protocols has its answer relayed and the connection closed", async () => {
  const ws = connect(`plain.${BASE}`);
  const status = await new Promise<number>((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode!));
    ws.once("open", () => reject(new Error("should not open")));
    ws.once("error", () => {});
  });
  assert.equal(status, 200);
  ws.terminate();
});

test("the per-cluster tunnel cap answers 503 with Retry-After", async () => {
  const open: WebSocket[] = [];
  for (let i = 0; i < 3; i++) {
    const ws = connect(`acme.${BASE}`);
    await opened(ws);
    open.push(ws);
  }
  const extra = connect(`acme.${BASE}`);
  const refused = await new Promise<{ status: number; retry: string | undefined }>((resolve, reject) => {
    extra.once("unexpected-response", (_req, res) =>
      resolve({ status: res.statusCode!, retry: res.headers["retry-after"] as string | undefined }),
    );
    extra.once("open", () => reject(new Error("the fourth tunnel should be refused")));
    extra.once("error", () => {});
  });
  assert.deepEqual(refused, { status: 503, retry: "1" });
  extra.terminate();
  for (const ws of open) ws.close();
  for (let i = 0; i < 100 && gw.plane.stats().tunnelsOpen > 0; i++) await sleep(10);
  assert.equal(gw.plane.stats().tunnelsOpen, 0);
  const again = connect(`acme.${BASE}`);
  await opened(again);
  again.close();
});

test("an idle tunnel is closed after the tunnel idle timeout; a down upstream gives 502", {
  timeout: 30_000,
}, async (t) => {
  const short = await startProxyHarness({ limits: { tunnelIdleTimeoutMs: 300 } });
  t.after(() => short.close());
  short.clusters.set("acme", { ip: "127.0.0.1", port: (echo.address() as AddressInfo).port });
  const ws = new WebSocket(`ws://127.0.0.1:${short.port}/`, { headers: { host: `acme.${BASE}` } });
  await opened(ws);
  ws.send("still here");
  assert.equal((await nextMessage(ws)).data.toString(), "still here");
  // Nothing else closes a quiet tunnel (the test's timeout bounds the wait); once closed, it is gone from the count.
  await new Promise((resolve) => ws.once("close", resolve));
  while (short.plane.stats().tunnelsOpen > 0) await new Promise((r) => setTimeout(r, 10));

  const dead = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => dead.once("listening", resolve));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((resolve) => dead.close(() => resolve()));
  short.clusters.set("gone", { ip: "127.0.0.1", port: deadPort });
  const raw = await rawRequest(
    short.port,
    `GET / HTTP/1.1\r\nHost: gone.${BASE}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  assert.equal(statusOf(raw), 502);
  for (let i = 0; i < 100 && short.plane.stats().connectFailuresTotal === 0; i++) await sleep(10);
  assert.equal(short.plane.stats().connectFailuresTotal, 1);
  assert.equal(short.plane.stats().tunnelsOpen, 0);
});
