/**
 * Bodies stream through the gateway in both directions: nothing waits for a whole body, a paused reader holds the
 * sender back (bounded buffering), and large bodies arrive intact without the process growing with their size.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { BASE, type Harness, listen, startProxyHarness, startUpstream, type Upstream } from "./support-proxy.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolve when `check()` is true, polling; reject after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

let gw: Harness;
let up: Upstream;
let clientReceived = 0;
let upstreamReceived = 0;
let upstreamWritten = 0;

before(async () => {
  gw = await startProxyHarness();
  up = await startUpstream("stream", () => {});
  // Replace the recording handler: these routes must not collect bodies.
  up.server.removeAllListeners("request");
  up.server.on("request", async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === "/lockstep-down") {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      for (let i = 1; i <= 20; i++) {
        res.write(Buffer.alloc(1000, i));
        // The next chunk is only sent once the client has this one: a buffering proxy would deadlock here.
        await until(() => clientReceived >= i * 1000, 3000, `the client to receive chunk ${i}`).catch(() =>
          res.destroy(),
        );
      }
      res.end();
    } else if (req.url === "/lockstep-up") {
      req.on("data", (c: Buffer) => {
        upstreamReceived += c.length;
      });
      req.on("end", () => res.end(String(upstreamReceived)));
    } else if (req.url === "/sha") {
      const hash = createHash("sha256");
      let n = 0;
      req.on("data", (c: Buffer) => {
        hash.update(c);
        n += c.length;
      });
      req.on("end", () => res.end(`${n} ${hash.digest("hex")}`));
    } else if (req.url?.startsWith("/download/")) {
      const total = Number(req.url.slice("/download/".length));
      res.writeHead(200, { "content-length": String(total) });
      const block = Buffer.alloc(64 * 1024, 7);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const n = Math.min(block.length, total - sent);
          sent += n;
          upstreamWritten = sent;
          if (!res.write(n === block.length ? block : block.subarray(0, n))) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      res.on("close", () => {
        sent = total;
      });
      pump();
    }
  });
  gw.clusters.set("acme", { ip: "127.0.0.1", port: up.port });
});

after(async () => {
  await gw.close();
  await up.close();
});

function request(path: string, method = "GET"): http.ClientRequest {
  return http.request({
    host: "127.0.0.1",
    port: gw.port,
    path,
    method,
    headers: { host: `acme.${BASE}` },
    agent: false,
  });
}

test("a response is relayed chunk by chunk while the upstream is still writing", async () => {
  clientReceived = 0;
  const req = request("/lockstep-down");
  const done = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      res.on("data", (c: Buffer) => {
        clientReceived += c.length;
      });
      res.on("end", () => resolve(clientReceived));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  req.end();
  assert.equal(await done, 20_000);
});

test("a request body is relayed chunk by chunk while the client is still sending", async () => {
  upstreamReceived = 0;
  const req = request("/lockstep-up", "POST");
  req.setHeader("transfer-encoding", "chunked");
  const answer = new Promise<string>((resolve, reject) => {
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString();
      });
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
  });
  for (let i = 1; i <= 20; i++) {
    req.write(Buffer.alloc(1000, i));
    await until(() => upstreamReceived >= i * 1000, 3000, `the upstream to receive chunk ${i}`);
  }
  req.end();
  assert.equal(await answer, "20000");
});

test("a paused client holds the upstream back instead of the gateway buffering the body", async () => {
  upstreamWritten = 0;
  const total = 1024 * 1024 * 1024; // 1 GiB offered; a proxy that buffers would take it all in
  const req = request(`/download/${total}`);
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on("response", resolve);
    req.on("error", reject);
    req.end();
  });
  response.pause();
  await sleep(1000);
  const writtenWhilePaused = upstreamWritten;
  assert.ok(writtenWhilePaused > 0, "the upstream started sending");
  assert.ok(
    writtenWhilePaused < 64 * 1024 * 1024,
    `upstream could write ${(writtenWhilePaused / 1048576).toFixed(1)} MiB while the client read nothing`,
  );
  response.destroy();
  req.destroy();
  await until(() => gw.plane.stats().inFlight === 0, 2000, "the exchange to end after the client left");
});

test("256 MiB up and 256 MiB down arrive intact without the process growing with the body", async () => {
  const size = 256 * 1024 * 1024;
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    // Upload: generated on the fly, hashed on both ends.
    const expected = createHash("sha256");
    const req = request("/sha", "POST");
    req.setHeader("content-length", String(size));
    const answer = new Promise<string>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
    });
    const block = Buffer.alloc(256 * 1024);
    for (let sent = 0, i = 0; sent < size; sent += block.length, i++) {
      block.fill(i & 0xff);
      expected.update(block);
      if (!req.write(block)) await new Promise((r) => req.once("drain", r));
    }
    req.end();
    assert.equal(await answer, `${size} ${expected.digest("hex")}`);

    // Download.
    const down = request(`/download/${size}`);
    const received = await new Promise<number>((resolve, reject) => {
      down.on("response", (res) => {
        let n = 0;
        res.on("data", (c: Buffer) => {
          n += c.length;
        });
        res.on("end", () => resolve(n));
      });
      down.on("error", reject);
      down.end();
    });
    assert.equal(received, size);
  } finally {
    clearInterval(sampler);
  }
  const growth = (peak - rssBefore) / 1048576;
  assert.ok(growth < 96, `RSS grew by ${growth.toFixed(0)} MiB while moving 512 MiB`);
});

test("a connection released while the slow client had paused it serves the next request", async (t) => {
  // Every request gets a 2 MiB chunked body whose last-chunk marker travels in the same write as the data.
  const body = Buffer.alloc(2 * 1024 * 1024, 5);
  const upstream = net.createServer((socket) => {
    let pending = "";
    socket.on("error", () => {});
    socket.on("data", (d: Buffer) => {
      pending += d.toString("latin1");
      while (pending.includes("\r\n\r\n")) {
        pending = pending.slice(pending.indexOf("\r\n\r\n") + 4);
        socket.write(
          Buffer.concat([
            Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`),
            body,
            Buffer.from("\r\n0\r\n\r\n"),
          ]),
        );
      }
    });
  });
  const port = await listen(upstream);
  const slowGw = await startProxyHarness({ limits: { upstreamIdleTimeoutMs: 4000 } });
  t.after(async () => {
    await slowGw.close();
    upstream.close();
  });
  slowGw.clusters.set("big", { ip: "127.0.0.1", port });
  const fetchBig = async (pauseMs: number) => {
    const req = http.request({
      host: "127.0.0.1",
      port: slowGw.port,
      path: "/",
      headers: { host: `big.${BASE}` },
      agent: false,
    });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
      req.end();
    });
    res.pause();
    await sleep(pauseMs);
    let n = 0;
    res.on("data", (c: Buffer) => {
      n += c.length;
    });
    res.resume();
    await new Promise((resolve) => res.on("end", resolve));
    return { status: res.statusCode, n };
  };
  assert.deepEqual(await fetchBig(300), { status: 200, n: body.length });
  assert.deepEqual(await fetchBig(0), { status: 200, n: body.length });
  assert.equal(slowGw.plane.stats().upstreamReusesTotal, 1, "the second request reused the connection");
});
