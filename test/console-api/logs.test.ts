import assert from "node:assert/strict";
import { test } from "node:test";
import { generateSigningKey, TokenIssuer } from "../../console-api/auth/tokens.ts";
import { startConsole } from "./support.ts";
import { openLogs } from "./ws-client.ts";

const PATH = "/api/v1/projects/shop/apps/web/logs";

async function setup(t: Parameters<typeof startConsole>[0]) {
  const h = await startConsole(t);
  await h.addUser("ada@example.com", "viewer", ["shop"]);
  const { token } = await h.login("ada@example.com");
  const pods = h.kube.list("v1", "Pod", "shop").filter((p) => p.metadata.name.startsWith("web-"));
  const pod = pods[0]!.metadata.name;
  return { h, token, pod, pods: pods.map((p) => p.metadata.name) };
}

test("logs: the server answers skipper.auth, sends the last lines in order, then follows", async (t) => {
  const { h, token, pod } = await setup(t);
  for (let i = 1; i <= 150; i++) h.kube.appendLog("shop", pod, "web", `line ${i}`);
  const opened = await openLogs(h.url, `${PATH}?pod=${pod}&tail=20`, ["skipper.auth", token]);
  assert.ok(opened.ok);
  assert.equal(opened.protocol, "skipper.auth");
  const s = opened.socket;
  await s.waitFor(20);
  assert.deepEqual(
    s.lines,
    Array.from({ length: 20 }, (_, i) => `line ${131 + i}`),
  );
  h.kube.appendLog("shop", pod, "web", "live a");
  h.kube.appendLog("shop", pod, "web", "live b");
  await s.waitFor(22);
  assert.deepEqual(s.lines.slice(20), ["live a", "live b"]);
  // The server pings (every second in this harness) and the client's automatic pong keeps the socket open.
  await new Promise((resolve) => s.ws.once("ping", resolve));
  await new Promise((resolve) => s.ws.once("ping", resolve));
  assert.equal(s.ws.readyState, s.ws.OPEN);
  // The pod goes away: the socket closes normally and says so.
  h.kube.deletePod("shop", pod);
  const closed = await s.closed;
  assert.equal(closed.code, 1000);
  assert.match(closed.reason, new RegExp(`pod ${pod} is gone`));
});

test("logs: tail defaults to 100, follow=false ends the stream, a crashed container's previous logs come first", async (t) => {
  const { h, token, pod } = await setup(t);
  for (let i = 1; i <= 130; i++) h.kube.appendLog("shop", pod, "web", `old ${i}`);
  const all = await openLogs(h.url, `${PATH}?pod=${pod}&follow=false`, ["skipper.auth", token]);
  assert.ok(all.ok);
  const closed = await all.socket.closed;
  assert.equal(closed.code, 1000);
  assert.equal(all.socket.lines.length, 100);
  assert.equal(all.socket.lines[0], "old 31");

  h.kube.crashContainer("shop", pod, "web", { reason: "OOMKilled" });
  h.kube.appendLog("shop", pod, "web", "new 1");
  const crashed = await openLogs(h.url, `${PATH}?pod=${pod}&tail=2&follow=false`, ["skipper.auth", token]);
  assert.ok(crashed.ok);
  await crashed.socket.closed;
  assert.deepEqual(crashed.socket.lines, [
    `--- previous container of ${pod} (OOMKilled, exit code 137) ---`,
    "old 129",
    "old 130",
    "--- current container ---",
    "new 1",
  ]);
});

test("logs: lines arriving together share frames (a burst of 1000 lines is a handful of frames, in order)", async (t) => {
  const { h, token, pod } = await setup(t);
  for (let i = 1; i <= 1000; i++) h.kube.appendLog("shop", pod, "web", `burst ${i}`);
  const opened = await openLogs(h.url, `${PATH}?pod=${pod}&tail=1000&follow=false`, ["skipper.auth", token]);
  assert.ok(opened.ok);
  const closed = await opened.socket.closed;
  assert.equal(closed.code, 1000);
  assert.deepEqual(
    opened.socket.lines,
    Array.from({ length: 1000 }, (_, i) => `burst ${i + 1}`),
  );
  assert.ok(opened.socket.frames() <= 10, `1000 lines in ${opened.socket.frames()} frames`);
});

test("logs: a follower sees a restart and goes on with the new container", async (t) => {
  const { h, token, pod } = await setup(t);
  h.kube.appendLog("shop", pod, "web", "before");
  const opened = await openLogs(h.url, `${PATH}?pod=${pod}`, ["skipper.auth", token]);
  assert.ok(opened.ok);
  await opened.socket.waitFor(1);
  h.kube.crashContainer("shop", pod, "web");
  h.kube.setPodStatus("shop", pod, { phase: "Running" });
  h.kube.appendLog("shop", pod, "web", "after");
  await opened.socket.waitFor(3);
  assert.deepEqual(opened.socket.lines, ["before", "--- container restarted ---", "after"]);
  opened.socket.ws.close();
});

test("logs: refusals happen at the upgrade, as HTTP answers, and the token never needs the URL", async (t) => {
  const { h, token, pods } = await setup(t);
  const refuse = async (path: string, protocols: string[] | undefined, status: number) => {
    const r = await openLogs(h.url, path, protocols);
    assert.equal(r.ok, false, `${path} should be refused`);
    if (!r.ok) {
      assert.equal(r.status, status, `${path}: ${r.body}`);
      assert.ok(typeof JSON.parse(r.body).error === "string");
    }
  };
  await refuse(PATH, undefined, 401);
  await refuse(PATH, ["skipper.auth"], 401);
  await refuse(PATH, ["skipper.auth", "not-a-token"], 401);
  await refuse(PATH, ["other", token], 401);
  const otherKey = await new TokenIssuer(generateSigningKey(), {
    issuer: "skipper-console",
    audience: "skipper-console:c1",
  }).issue({
    email: "ada@example.com",
    family: "x",
  });
  await refuse(PATH, ["skipper.auth", otherKey.token], 401);
  // A token in the query string is not read.
  await refuse(`${PATH}?access_token=${token}`, undefined, 401);
  await refuse("/api/v1/projects/blog/apps/site/logs", ["skipper.auth", token], 404);
  await refuse("/api/v1/projects/shop/apps/nope/logs", ["skipper.auth", token], 404);
  await refuse(`${PATH}?pod=site-0`, ["skipper.auth", token], 404);
  await refuse(`${PATH}?tail=1001`, ["skipper.auth", token], 400);
  // A pod of another app in the same project is not this app's.
  const worker = h.kube.list("v1", "Pod", "shop").find((p) => p.metadata.name.startsWith("worker-"))!.metadata.name;
  await refuse(`${PATH}?pod=${worker}`, ["skipper.auth", token], 404);
  assert.ok(pods.length === 2);
});
