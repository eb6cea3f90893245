/**
 * The data plane inside the real gateway process (`kip gateway serve`, see server-process.ts): clusters registered
 * through the control plane receive their traffic, a move re-routes it, a release stops it, hostile hosts are
 * refused, and with several workers every worker proxies (the registry is shared).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, test } from "node:test";
import { tempDataPath } from "./registry-helpers.ts";
import { BASE, call, startGateway } from "./server-process.ts";
import { listen, rawRequest, startUpstream, statusOf } from "./support-proxy.ts";

const OPEN_LIMITS = ["--rate-limit", "100000", "--rate-burst", "100000"];

describe("data plane in the gateway process", () => {
  test("register, proxy, move, release; hostile hosts never proxied", async (t) => {
    const one = await startUpstream("one");
    const two = await startUpstream("two");
    let canaryHits = 0;
    const canary = net.createServer((s) => {
      canaryHits++;
      s.destroy();
    });
    const canaryPort = await listen(canary);
    t.after(async () => {
      await Promise.all([one.close(), two.close()]);
      canary.close();
    });
    const gw = await startGateway(t, tempDataPath(t), ["--allow-private", ...OPEN_LIMITS]);

    const reg = await call(gw.port, "POST", "/v1/clusters", {
      body: { ip: "127.0.0.1", port: one.port, name: "acme" },
    });
    assert.equal(reg.status, 201, reg.text);
    const token = reg.json.token as string;

    const viaGateway = await call(gw.port, "GET", "/hello?x=1", { host: `web--acme.${BASE}` });
    assert.equal(viaGateway.status, 200);
    assert.equal(viaGateway.json.upstream, "one");
    assert.equal(viaGateway.json.host, `web--acme.${BASE}`);
    assert.equal(one.seen.at(-1)!.headers["x-forwarded-for"], "127.0.0.1");

    // Hostile variants against the real server: duplicate Host, unknown names, the canary's address.
    const refused = [
      `GET / HTTP/1.1\r\nHost: acme.${BASE}\r\nHost: other.${BASE}\r\nConnection: close\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: nobody.${BASE}\r\nConnection: close\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${canaryPort}\r\nConnection: close\r\n\r\n`,
      `GET http://127.0.0.1:${canaryPort}/ HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n`,
    ];
    const seenBefore = one.seen.length;
    for (const request of refused)
      assert.ok([400, 404].includes(statusOf(await rawRequest(gw.port, request))), request);
    assert.equal(one.seen.length, seenBefore);

    const moved = await call(gw.port, "PUT", "/v1/clusters/acme", { body: { ip: "127.0.0.1", port: two.port }, token });
    assert.equal(moved.status, 200, moved.text);
    const after = await call(gw.port, "GET", "/", { host: `acme.${BASE}` });
    assert.equal(after.json.upstream, "two", "traffic follows the move");

    const released = await call(gw.port, "DELETE", "/v1/clusters/acme", { token });
    assert.ok(released.status >= 200 && released.status < 300, released.text);
    const gone = await call(gw.port, "GET", "/", { host: `acme.${BASE}` });
    assert.equal(gone.status, 404);
    assert.equal(canaryHits, 0);
  });

  test("with two workers, both proxy registered clusters", async (t) => {
    const up = await startUpstream("up");
    t.after(() => up.close());
    const gw = await startGateway(t, tempDataPath(t), ["--allow-private", "--workers", "2", ...OPEN_LIMITS]);
    const reg = await call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: up.port, name: "duo" } });
    assert.equal(reg.status, 201, reg.text);
    // Fresh client connections are spread over the workers; every one must route (the registration reached both).
    // Sequential requests reuse one pooled upstream connection per worker, so two workers show as two connections.
    for (let i = 0; i < 40; i++) {
      const r = await call(gw.port, "GET", `/n${i}`, { host: `duo.${BASE}` });
      assert.equal(r.status, 200, `request ${i}: ${r.text}`);
    }
    assert.equal(up.seen.length, 40);
    const upstreamConnections = new Set(up.seen.map((s) => s.remotePort));
    assert.ok(upstreamConnections.size >= 2, `requests came over ${upstreamConnections.size} upstream connection(s)`);
  });
});

describe("shutdown with open WebSockets", () => {
  test("SIGTERM stops the gateway within the drain timeout even while a tunnel is open", async (t) => {
    const { WebSocketServer, default: WebSocket } = await import("ws");
    const echo = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => echo.once("listening", resolve));
    echo.on("connection", (ws) => ws.on("message", (d) => ws.send(d)));
    t.after(async () => {
      for (const c of echo.clients) c.terminate();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    });
    const gw = await startGateway(t, tempDataPath(t), ["--allow-private", "--drain-timeout", "1s", ...OPEN_LIMITS]);
    const echoPort = (echo.address() as net.AddressInfo).port;
    const reg = await call(gw.port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: echoPort, name: "ws" } });
    assert.equal(reg.status, 201, reg.text);
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/`, { headers: { host: `chat--ws.${BASE}` } });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.send("ping");
    await new Promise((resolve) => ws.once("message", resolve));
    const clientClosed = new Promise((resolve) => ws.once("close", resolve));
    gw.child.kill("SIGTERM");
    const exit = await Promise.race([gw.exited, new Promise((r) => setTimeout(() => r("still running"), 8000))]);
    assert.notEqual(exit, "still running", `the gateway did not stop:\n${gw.output()}`);
    await clientClosed;
  });
});
