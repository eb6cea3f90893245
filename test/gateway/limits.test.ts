/**
 * Limits: per-cluster in-flight cap, slow clients (slowloris head and body), upstreams that are down, unreachable,
 * silent or malformed, and oversized request heads. Real sockets on 127.0.0.1; every wait is bounded.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ServerResponse } from "node:http";
import net from "node:net";
import { test } from "node:test";
import { BASE, get, listen, rawRequest, startProxyHarness, startUpstream, statusOf } from "./support-proxy.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port on 127.0.0.1 with nothing listening (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test("the in-flight cap answers 503 with Retry-After and only for the busy cluster", async (t) => {
  const held: ServerResponse[] = [];
  const slow = await startUpstream("slow", (_req, res) => {
    held.push(res);
  });
  const quick = await startUpstream("quick");
  const gw = await startProxyHarness({ limits: { maxInFlightPerCluster: 3 } });
  t.after(async () => {
    for (const res of held) res.destroy();
    await gw.close();
    await Promise.all([slow.close(), quick.close()]);
  });
  gw.clusters.set("busy", { ip: "127.0.0.1", port: slow.port });
  gw.clusters.set("calm", { ip: "127.0.0.1", port: quick.port });

  const pending = [1, 2, 3].map(() => get(gw.port, `app--busy.${BASE}`));
  while (held.length < 3) await sleep(10);
  // Refused while all three slots are still held: answered at once, not queued behind them.
  const refused = await get(gw.port, `app--busy.${BASE}`);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers["retry-after"], "1");
  assert.equal(held.length, 3, "refused while the slots were still taken");
  assert.equal((await get(gw.port, `app--calm.${BASE}`)).status, 200, "another cluster is unaffected");
  assert.equal(gw.plane.stats().inFlight, 3);

  for (const res of held.splice(0)) res.end("done");
  const results = await Promise.all(pending);
  assert.deepEqual(
    results.map((r) => r.status),
    [200, 200, 200],
  );
  assert.equal(gw.plane.stats().inFlight, 0);
  const again = get(gw.port, `app--busy.${BASE}`);
  while (held.length < 1) await sleep(10);
  held.shift()!.end("ok");
  assert.equal((await again).status, 200, "the slot was given back");
  assert.ok(gw.plane.stats().overloadedTotal >= 1);
});

// No test here compares a duration with a bound: each checks what the gateway answered and counted, and a gateway
// that never gave up would hang the test until its `timeout` option fails it.

test("a slowloris client dribbling its head is cut off within the header timeout", { timeout: 30_000 }, async (t) => {
  const gw = await startProxyHarness({ client: { headersTimeoutMs: 1000, checkIntervalMs: 100 } });
  const up = await startUpstream("up");
  gw.clusters.set("acme", { ip: "127.0.0.1", port: up.port });
  const sockets: net.Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  t.after(async () => {
    for (const s of sockets) s.destroy();
    for (const timer of timers) clearInterval(timer);
    await gw.close();
    await up.close();
  });

  // 50 slow clients, each sending one header byte every 100 ms and never finishing.
  const answers: Promise<string>[] = [];
  for (let i = 0; i < 50; i++) {
    const socket = net.connect(gw.port, "127.0.0.1");
    sockets.push(socket);
    const received: Buffer[] = [];
    socket.on("data", (d: Buffer) => received.push(d));
    answers.push(new Promise((resolve) => socket.on("close", () => resolve(Buffer.concat(received).toString()))));
    socket.on("error", () => {});
    socket.write(`GET / HTTP/1.1\r\nHost: acme.${BASE}\r\nX-Slow: `);
    timers.push(
      setInterval(() => {
        if (!socket.destroyed) socket.write("a");
      }, 100),
    );
  }
  await sleep(300);
  // Meanwhile a normal client is served, while every slow one is still connected.
  assert.equal((await get(gw.port, `acme.${BASE}`)).status, 200);
  assert.equal(sockets.filter((s) => s.destroyed).length, 0, "a normal client is not held up by the slow ones");
  // Then each slow client is answered 408 by the server's header timeout and disconnected.
  for (const answer of await Promise.all(answers)) assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.equal(up.seen.length, 1, "no slow request reached the upstream");
});

test("a client dribbling its body is cut off within the request timeout", { timeout: 30_000 }, async (t) => {
  const gw = await startProxyHarness({
    client: { headersTimeoutMs: 500, requestTimeoutMs: 1000, checkIntervalMs: 100 },
  });
  const up = await startUpstream("up");
  gw.clusters.set("acme", { ip: "127.0.0.1", port: up.port });
  const socket = net.connect(gw.port, "127.0.0.1");
  socket.on("error", () => {});
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write("b");
  }, 100);
  t.after(async () => {
    clearInterval(timer);
    socket.destroy();
    await gw.close();
    await up.close();
  });
  const received: Buffer[] = [];
  socket.on("data", (d: Buffer) => received.push(d));
  socket.write(`POST / HTTP/1.1\r\nHost: acme.${BASE}\r\nContent-Length: 100000\r\n\r\n`);
  await new Promise((resolve) => socket.on("close", resolve));
  // Closed by the gateway while the client was still sending: never a complete body, never a proxied answer.
  assert.doesNotMatch(Buffer.concat(received).toString(), /^HTTP\/1\.1 200 /);
  assert.equal(up.seen.length, 0, "the cut-off request never completed upstream");
});

test("an upstream that refuses connections gives 502 at once", { timeout: 30_000 }, async (t) => {
  // A connect timeout far beyond the test's own: only a refusal, taken at once, can answer in time.
  const gw = await startProxyHarness({ limits: { upstreamConnectTimeoutMs: 600_000 } });
  t.after(() => gw.close());
  gw.clusters.set("down", { ip: "127.0.0.1", port: await deadPort() });
  const r = await get(gw.port, `app--down.${BASE}`);
  assert.equal(r.status, 502);
  assert.match(r.body, /could not be reached/);
  assert.equal(gw.plane.stats().connectFailuresTotal, 1);
  assert.equal(gw.plane.stats().inFlight, 0);
});

test("an upstream that never completes the TCP handshake gives 502 after the connect timeout", {
  timeout: 30_000,
}, async (t) => {
  // A listener whose process is stopped and whose accept queue is full: further SYNs are dropped, connects hang.
  const child = spawn(
    process.execPath,
    [
      "-e",
      "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const fillers: net.Socket[] = [];
  const gw = await startProxyHarness({ limits: { upstreamConnectTimeoutMs: 400 } });
  t.after(async () => {
    child.kill("SIGKILL");
    for (const s of fillers) s.destroy();
    await gw.close();
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString()))),
  );
  process.kill(child.pid!, "SIGSTOP");
  for (let i = 0; i < 4; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    fillers.push(s);
  }
  await sleep(200);
  // Only check the premise: a new connect must now hang.
  const probe = net.connect(port, "127.0.0.1");
  probe.on("error", () => {});
  fillers.push(probe);
  const probeConnected = await Promise.race([
    new Promise<boolean>((resolve) => probe.once("connect", () => resolve(true))),
    sleep(300).then(() => false),
  ]);
  assert.equal(probeConnected, false, "test premise: the stopped listener's queue is full");

  gw.clusters.set("blackhole", { ip: "127.0.0.1", port });
  const r = await get(gw.port, `app--blackhole.${BASE}`);
  // The connect hangs (checked above), so only the connect timeout can have ended it.
  assert.equal(r.status, 502);
  assert.equal(gw.plane.stats().connectFailuresTotal, 1);
  assert.equal(gw.plane.stats().inFlight, 0);
});

test("an upstream that accepts but stays silent gives 504 after the upstream idle timeout", {
  timeout: 30_000,
}, async (t) => {
  const silent = net.createServer((socket) => socket.on("error", () => {}));
  const port = await listen(silent);
  const gw = await startProxyHarness({ limits: { upstreamIdleTimeoutMs: 400 } });
  t.after(async () => {
    await gw.close();
    silent.close();
  });
  gw.clusters.set("mute", { ip: "127.0.0.1", port });
  const r = await get(gw.port, `mute.${BASE}`);
  assert.equal(r.status, 504);
  assert.equal(gw.plane.stats().upstreamTimeoutsTotal, 1);
});

test("malformed or oversized upstream responses give 502", async (t) => {
  const bad = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", (d: Buffer) => {
      const path = d.toString("latin1").split(" ")[1];
      if (path === "/huge") socket.end(`HTTP/1.1 200 OK\r\nx-big: ${"z".repeat(100_000)}\r\n\r\n`);
      else if (path === "/garbage") socket.end("SSH-2.0-OpenSSH_9.2\r\n\r\n");
      else if (path === "/two-lengths")
        socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc");
      else socket.end("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort"); // cut short
    });
  });
  const port = await listen(bad);
  const gw = await startProxyHarness({ limits: { maxResponseHeadBytes: 16_384 } });
  t.after(async () => {
    await gw.close();
    bad.close();
  });
  gw.clusters.set("bad", { ip: "127.0.0.1", port });
  for (const path of ["/huge", "/garbage", "/two-lengths"]) {
    const r = await get(gw.port, `bad.${BASE}`, path);
    assert.equal(r.status, 502, path);
  }
  // A body cut short after the head was relayed: the client connection is dropped, not completed.
  const raw = await rawRequest(gw.port, `GET /short HTTP/1.1\r\nHost: bad.${BASE}\r\n\r\n`);
  assert.equal(statusOf(raw), 200);
  assert.ok(raw.endsWith("short"), "what arrived is relayed");
  assert.doesNotMatch(raw, /HTTP\/1\.1 502/);
});

test("an oversized request head is refused with 431 before any upstream sees it", async (t) => {
  const up = await startUpstream("up");
  const gw = await startProxyHarness({ client: { maxHeaderBytes: 8192 } });
  t.after(async () => {
    await gw.close();
    await up.close();
  });
  gw.clusters.set("acme", { ip: "127.0.0.1", port: up.port });
  const raw = await rawRequest(gw.port, `GET / HTTP/1.1\r\nHost: acme.${BASE}\r\nX-Big: ${"q".repeat(20_000)}\r\n\r\n`);
  assert.equal(statusOf(raw), 431);
  assert.equal(up.seen.length, 0);
});
