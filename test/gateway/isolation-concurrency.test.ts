/**
 * Isolation under concurrency: many requests to two clusters at once, over kept-alive client and upstream
 * connections, with random delays, framings and body sizes, some clients giving up midway and some upstream
 * connections reset. Every answer must be the one for its own request on its own cluster: a pooled connection must
 * never hand one request's response to another.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { seededRandom } from "./seeded-random.ts";
import { BASE, listen, startProxyHarness } from "./support-proxy.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An upstream answering `<name>:<id>:<body bytes>:<padding>`; `mode` picks the framing or a misbehaviour. */
async function upstreamFor(name: string) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    const id = url.searchParams.get("id")!;
    const delay = Number(url.searchParams.get("delay"));
    const size = Number(url.searchParams.get("size"));
    const mode = url.searchParams.get("mode");
    if (mode === "reset") {
      req.socket.destroy();
      return;
    }
    const answer = (bodyBytes: number | string) => {
      const payload = `${name}:${id}:${bodyBytes}:${"p".repeat(size)}`;
      if (mode === "chunked") {
        res.writeHead(200, { "x-id": id });
        const half = payload.length >> 1;
        res.write(payload.slice(0, half));
        setTimeout(() => res.end(payload.slice(half)), 1);
      } else {
        res.writeHead(200, { "x-id": id, "content-length": String(Buffer.byteLength(payload)) });
        res.end(payload);
      }
    };
    if (mode === "early") {
      // Answer before reading the request body: that connection must not carry another request.
      answer("early");
      return;
    }
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
    });
    req.on("end", () => setTimeout(() => answer(n), delay));
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test("500 concurrent mixed requests to two clusters each get their own answer", async (t) => {
  const alpha = await upstreamFor("alpha");
  const beta = await upstreamFor("beta");
  const gw = await startProxyHarness({ limits: { maxInFlightPerCluster: 1000 } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 40 });
  t.after(async () => {
    agent.destroy();
    await gw.close();
    await Promise.all([alpha.close(), beta.close()]);
  });
  gw.clusters.set("alpha", { ip: "127.0.0.1", port: alpha.port });
  gw.clusters.set("beta", { ip: "127.0.0.1", port: beta.port });

  const random = seededRandom("isolation under concurrency").next;
  const problems: string[] = [];
  let checked = 0;
  const one = async (i: number) => {
    const cluster = random() < 0.5 ? "alpha" : "beta";
    const r = random();
    const mode = r < 0.05 ? "reset" : r < 0.1 ? "early" : r < 0.4 ? "chunked" : "length";
    const abort = random() < 0.05;
    const delay = Math.floor(random() * 15);
    const size = Math.floor(random() * (random() < 0.1 ? 200_000 : 2000));
    const bodyLength = mode === "early" ? 300_000 : random() < 0.3 ? Math.floor(random() * 50_000) : 0;
    const path = `/?id=${i}&delay=${delay}&size=${size}&mode=${mode}`;
    await new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: gw.port,
          path,
          method: bodyLength ? "POST" : "GET",
          headers: { host: `app--${cluster}.${BASE}` },
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", () => resolve());
          res.on("aborted", () => resolve());
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            if (mode === "reset") {
              if (res.statusCode !== 502) problems.push(`${i}: reset upstream gave ${res.statusCode}`);
            } else if (res.statusCode !== 200) problems.push(`${i}: status ${res.statusCode}`);
            else {
              const bodyBytes = mode === "early" ? "early" : bodyLength;
              const expected = `${cluster}:${i}:${bodyBytes}:${"p".repeat(size)}`;
              if (res.headers["x-id"] !== String(i) || text !== expected) {
                problems.push(`${i}: got answer for ${String(res.headers["x-id"])} (${text.slice(0, 40)})`);
              }
              checked++;
            }
            resolve();
          });
        },
      );
      req.on("error", () => resolve());
      if (abort) setTimeout(() => req.destroy(), Math.floor(random() * 10));
      req.end(bodyLength ? Buffer.alloc(bodyLength, 97) : undefined);
    });
  };

  const total = 500;
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < total) await one(next++);
    }),
  );
  assert.deepEqual(problems, []);
  assert.ok(checked > 350, `only ${checked} answers were checked`);
  for (let i = 0; i < 100 && gw.plane.stats().inFlight > 0; i++) await sleep(10);
  const stats = gw.plane.stats();
  assert.equal(stats.inFlight, 0);
  assert.ok(stats.upstreamReusesTotal > stats.upstreamConnectsTotal, "upstream connections were reused");
});
