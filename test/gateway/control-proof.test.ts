/**
 * Proof of address by challenge, end to end over real HTTP: the real gateway (a child process, --allow-private) and,
 * on 127.0.0.2, the real responder (gateway/proof) or a server that misbehaves in one way. The registrant always calls
 * from 127.0.0.1, so the source-address proof never applies. Each refusal checks the status AND that the registry did
 * not change.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { proofPath, signProof } from "../../core/gateway-proof.ts";
import { closedPort, type Listening, seededKey, startResponder, startServer, type TestKey } from "./proof-support.ts";
import { makeTempDataPath } from "./registry-helpers.ts";
import { seededRandom } from "./seeded-random.ts";
import { ADMIN_TOKEN, BASE, call, type GatewayProcess, startGateway } from "./server-process.ts";

const OPEN_LIMITS = ["--rate-limit", "100000", "--rate-burst", "100000"];
const LB = "127.0.0.2";

let gw: GatewayProcess;
let port: number;
let key: TestKey;
let otherKey: TestKey;
const servers: Listening[] = [];

async function serve(l: Promise<Listening>): Promise<Listening> {
  const s = await l;
  servers.push(s);
  return s;
}

/** What the gateway holds for `id` (admin read): its address, or undefined when it is not registered. */
async function stored(id: string): Promise<{ ip: string; port: number } | undefined> {
  const r = await call(port, "GET", `/v1/clusters/${id}`, { token: ADMIN_TOKEN });
  if (r.status === 404) return undefined;
  assert.equal(r.status, 200, r.text);
  return { ip: r.json.ip, port: r.json.port };
}

function register(body: Record<string, unknown>, token?: string) {
  return call(port, "POST", "/v1/clusters", { body, ...(token === undefined ? {} : { token }) });
}

/** Register `name` at a server on 127.0.0.2; expect a 403 naming `reason`, and no registration made. */
async function refused(name: string, server: Listening, reason: RegExp, proofKey = key.proofKey): Promise<void> {
  const r = await register({ ip: LB, port: server.port, name, proofKey });
  assert.equal(r.status, 403, r.text);
  assert.match(
    r.json.error,
    /^ip: the address proof failed: GET http:\/\/127\.0\.0\.2:\d+\/\.well-known\/skipper-gateway\//,
  );
  assert.match(r.json.error, reason);
  assert.equal(r.json.token, undefined);
  assert.equal(await stored(name), undefined, "the registry did not change");
}

describe("proof of address by challenge (one gateway, --allow-private, --proof-timeout 300ms)", () => {
  const data = makeTempDataPath();
  before(async () => {
    const rng = seededRandom("control proof keys");
    key = seededKey(rng);
    otherKey = seededKey(rng);
    gw = await startGateway(undefined, data.path, [
      "--allow-private",
      "--admin-token",
      ADMIN_TOKEN,
      "--proof-timeout",
      "300ms",
      ...OPEN_LIMITS,
    ]);
    port = gw.port;
  });
  after(async () => {
    gw.child.kill("SIGKILL");
    await Promise.all(servers.map((s) => s.close()));
    data.remove();
  });

  test("a named cluster behind another address proves it: 201, and the challenge carried the cluster's own Host", async () => {
    const responder = await serve(startResponder("acme", key));
    const r = await register({ ip: LB, port: responder.port, name: "acme", proofKey: key.proofKey });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.id, "acme");
    assert.match(r.json.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await stored("acme"), { ip: LB, port: responder.port });
    assert.equal(responder.seen.length, 1, "one challenge");
    const [seen] = responder.seen;
    assert.equal(seen?.method, "GET");
    assert.equal(seen?.host, `acme.${BASE}`);
    assert.match(seen?.url ?? "", /^\/\.well-known\/skipper-gateway\/acme\?nonce=[A-Za-z0-9_-]{43}$/);
    assert.ok(!gw.output().includes(seen?.url.split("=")[1] ?? "-"), "the nonce is not logged");
    assert.ok(!gw.output().includes(r.json.token), "the token is not logged");

    // Renewing with the token from elsewhere is proven the same way; a wrong key is refused and changes nothing.
    const renew = await register({ ip: LB, port: responder.port, name: "acme", proofKey: key.proofKey }, r.json.token);
    assert.equal(renew.status, 200, renew.text);
    assert.equal(responder.seen.length, 2);
    const wrong = await register(
      { ip: LB, port: responder.port, name: "acme", proofKey: otherKey.proofKey },
      r.json.token,
    );
    assert.equal(wrong.status, 403, wrong.text);
    assert.deepEqual(await stored("acme"), { ip: LB, port: responder.port });
  });

  test("an IP-derived id can be proven by challenge as well", async () => {
    const responder = await serve(startResponder("127-0-0-2", key));
    const r = await register({ ip: LB, port: responder.port, proofKey: key.proofKey });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.id, "127-0-0-2");
    assert.equal(responder.seen[0]?.host, `127-0-0-2.${BASE}`);
  });

  test("refused: a responder holding another key (the registrant's proofKey does not match)", async () => {
    await refused(
      "wrongkey",
      await serve(startResponder("wrongkey", otherKey)),
      /not with a signature of the challenge by proofKey/,
    );
  });

  test("refused: the registrant's own responder answering for another id (404 on this id's path)", async () => {
    const s = await serve(startResponder("someone-else", key));
    await refused("victim", s, /answered HTTP 404, not 200/);
    assert.equal(s.seen[0]?.url.startsWith(proofPath("victim")), true, "the path names the id being registered");
  });

  test("refused: a server signing with the right key, but another id's message", async () => {
    const s = await serve(
      startServer((req, res) => {
        const nonce = new URL(req.url ?? "/", "http://x").searchParams.get("nonce") ?? "";
        res.end(signProof(key.privateKey, "other-id", nonce));
      }),
    );
    await refused("bound", s, /not with a signature/);
  });

  test("refused: an echo server (it can repeat the nonce, not sign it)", async () => {
    const s = await serve(startServer((req, res) => res.end(`${req.url}\n${JSON.stringify(req.headers)}`)));
    await refused("echoed", s, /not with a signature/);
    const bare = await serve(
      startServer((req, res) => res.end(new URL(req.url ?? "/", "http://x").searchParams.get("nonce"))),
    );
    await refused("echoed2", bare, /not with a signature/);
  });

  test("refused: a redirect, even to a responder that would answer (redirects are not followed)", async () => {
    const good = await serve(startResponder("redirected", key));
    const s = await serve(
      startServer((req, res) => {
        res.writeHead(302, { location: `http://${LB}:${good.port}${req.url}` });
        res.end();
      }),
    );
    await refused("redirected", s, /answered HTTP 302 \(a redirect, which is not followed\)/);
    assert.equal(good.seen.length, 0, "the redirect target was never asked");
  });

  test("refused: any status but 200, even with a valid signature", async () => {
    for (const status of [201, 204, 404, 500]) {
      const s = await serve(
        startServer((req, res) => {
          const nonce = new URL(req.url ?? "/", "http://x").searchParams.get("nonce") ?? "";
          res.writeHead(status);
          res.end(status === 204 ? undefined : signProof(key.privateKey, `status-${status}`, nonce));
        }),
      );
      await refused(`status-${status}`, s, new RegExp(`answered HTTP ${status}, not 200`));
    }
  });

  test("refused: an answer over 512 bytes, declared or streamed, even if it starts with a valid signature", async () => {
    for (const [name, chunked] of [
      ["big-declared", false],
      ["big-chunked", true],
    ] as const) {
      const s = await serve(
        startServer((req, res) => {
          const nonce = new URL(req.url ?? "/", "http://x").searchParams.get("nonce") ?? "";
          const body = `${signProof(key.privateKey, name, nonce)}${" ".repeat(600)}`;
          if (chunked) {
            res.write(body.slice(0, 100));
            res.end(body.slice(100));
          } else res.end(body);
        }),
      );
      await refused(name, s, /answered more than 512 bytes/);
    }
  });

  test("refused: a server that accepts the connection and never answers (bounded by --proof-timeout)", async () => {
    const s = await serve(startServer(() => {}));
    await refused("silent", s, /no complete answer within 300 ms/);
    assert.equal(s.seen.length, 1, "the challenge reached it");
  });

  test("refused: nothing listening at the address", async () => {
    const r = await register({ ip: LB, port: await closedPort(), name: "nobody", proofKey: key.proofKey });
    assert.equal(r.status, 403, r.text);
    assert.match(r.json.error, /cannot connect \(ECONNREFUSED\)/);
    assert.match(
      r.json.error,
      /check the load balancer's health checks and targets, and the route in the cluster's Traefik/,
    );
    assert.equal(await stored("nobody"), undefined);
  });

  test("a malformed proofKey is a 400 naming the field, before any challenge", async () => {
    const s = await serve(startResponder("malformed", key));
    const raw = Buffer.from(key.proofKey, "base64url");
    const bad: unknown[] = [
      "",
      "short",
      `${key.proofKey}A`,
      key.proofKey.slice(0, 42),
      raw.toString("base64"), // padded standard base64
      `${key.proofKey.slice(0, 42)}B`, // stray low bits in the last character
      raw.toString("hex"),
      42,
      null,
      [key.proofKey],
      { x: key.proofKey },
    ];
    for (const proofKey of bad) {
      const r = await register({ ip: LB, port: s.port, name: "malformed", proofKey });
      assert.equal(r.status, 400, `${JSON.stringify(proofKey)}: ${r.text}`);
      assert.match(r.json.error, /^proofKey: /);
    }
    assert.equal(s.seen.length, 0, "no challenge was sent");
    assert.equal(await stored("malformed"), undefined);
  });

  test("without proofKey, a claim from another address is a 403 that names both ways", async () => {
    const s = await serve(startResponder("nokey", key));
    const r = await register({ ip: LB, port: s.port, name: "nokey" });
    assert.equal(r.status, 403, r.text);
    assert.match(
      r.json.error,
      /^ip: a cluster may register 127\.0\.0\.2 only from 127\.0\.0\.2 itself, and this request came from 127\.0\.0\.1; /,
    );
    assert.match(r.json.error, /run it on that host, or prove the address by challenge: send "proofKey"/);
    assert.ok(r.json.error.includes(`http://127.0.0.2:${s.port}/.well-known/skipper-gateway/nokey`), r.json.error);
    assert.equal(s.seen.length, 0);
    assert.equal(await stored("nokey"), undefined);
  });

  test("a request refused anyway sends no challenge: a taken id without its token", async () => {
    const s = await serve(startResponder("acme", key));
    const r = await register({ ip: LB, port: s.port, name: "acme", proofKey: key.proofKey });
    assert.equal(r.status, 409, r.text);
    assert.equal(s.seen.length, 0);
  });

  test("move by proof: 200 to the proven address; a failed proof or a missing token leaves the record as it was", async () => {
    const first = await call(port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: 8080, name: "mover" } });
    assert.equal(first.status, 201, "registered from its own address, no proof needed");
    const token = first.json.token as string;
    const responder = await serve(startResponder("mover", key));
    const put = (body: Record<string, unknown>, t?: string) =>
      call(port, "PUT", "/v1/clusters/mover", { body, ...(t === undefined ? {} : { token: t }) });

    const anonymous = await put({ ip: LB, port: responder.port, proofKey: key.proofKey });
    assert.equal(anonymous.status, 401, "no token: refused before any challenge");
    assert.equal(responder.seen.length, 0);
    const noKey = await put({ ip: LB, port: responder.port }, token);
    assert.equal(noKey.status, 403);
    assert.match(noKey.json.error, /^ip: cluster mover may move to 127\.0\.0\.2 only from 127\.0\.0\.2 itself/);
    const wrongKey = await put({ ip: LB, port: responder.port, proofKey: otherKey.proofKey }, token);
    assert.equal(wrongKey.status, 403, wrongKey.text);
    assert.match(wrongKey.json.error, /the address proof failed/);
    assert.deepEqual(await stored("mover"), { ip: "127.0.0.1", port: 8080 }, "unchanged");

    const moved = await put({ ip: LB, port: responder.port, name: "mover", proofKey: key.proofKey }, token);
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.ip, LB);
    assert.deepEqual(await stored("mover"), { ip: LB, port: responder.port });
  });

  test("the decision is made again after the proof: an id taken while the challenge ran is not overwritten", async () => {
    let answer: (() => void) | undefined;
    let arrived: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    // Signs correctly, but only when the test lets it answer.
    const slow = await serve(
      startServer((req, res) => {
        const nonce = new URL(req.url ?? "/", "http://x").searchParams.get("nonce") ?? "";
        answer = () => res.end(signProof(key.privateKey, "raced", nonce));
        arrived();
      }),
    );
    const pending = register({ ip: LB, port: slow.port, name: "raced", proofKey: key.proofKey });
    await holding;
    const direct = await call(port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: 8088, name: "raced" } });
    assert.equal(direct.status, 201, "registered from its own address while the challenge was running");
    answer?.();
    const late = await pending;
    assert.equal(late.status, 409, late.text);
    assert.equal(late.json.token, undefined);
    assert.deepEqual(await stored("raced"), { ip: "127.0.0.1", port: 8088 }, "the first registration stands");
  });

  test("the results are counted in /metrics by outcome", async () => {
    const r = await call(port, "GET", "/metrics", { token: ADMIN_TOKEN });
    assert.equal(r.status, 200);
    const count = (result: string) =>
      Number(
        new RegExp(`^skipper_gateway_address_proofs_total\\{result="${result}"\\} (\\d+)$`, "m").exec(r.text)?.[1],
      );
    assert.ok(count("passed") >= 4, r.text);
    for (const result of ["bad-signature", "status", "redirect", "too-large", "timeout", "unreachable"])
      assert.ok(count(result) >= 1, `${result} counted`);
    assert.equal(count("busy"), 0);
    assert.match(r.text, /^skipper_gateway_address_proofs_in_flight 0$/m);
  });
});

describe("proof challenges in flight are capped (--proof-max-in-flight 1)", () => {
  const data = makeTempDataPath();
  let capped: GatewayProcess;
  after(() => {
    capped?.child.kill("SIGKILL");
    data.remove();
  });

  test("a second challenge while one runs gets 503 + Retry-After and changes nothing", async (t) => {
    key ??= seededKey(seededRandom("control proof keys (cap)"));
    capped = await startGateway(t, data.path, [
      "--allow-private",
      "--admin-token",
      ADMIN_TOKEN,
      "--proof-max-in-flight",
      "1",
      "--proof-timeout",
      "30s",
      ...OPEN_LIMITS,
    ]);
    // A server that holds the first challenge until the test lets it go.
    let release: (() => void) | undefined;
    let arrived: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const slow = await startServer((_req, res) => {
      release = () => res.end("not a signature");
      arrived();
    });
    t.after(() => slow.close());
    const body = (name: string) => ({ ip: LB, port: slow.port, name, proofKey: key.proofKey });
    const first = call(capped.port, "POST", "/v1/clusters", { body: body("held") });
    await holding;
    const second = await call(capped.port, "POST", "/v1/clusters", { body: body("second") });
    assert.equal(second.status, 503, second.text);
    assert.equal(second.headers["retry-after"], "5");
    assert.match(second.json.error, /too many address proofs at once/);
    assert.equal(slow.seen.length, 1, "the second sent no challenge");
    release?.();
    const firstReply = await first;
    assert.equal(firstReply.status, 403, firstReply.text);
    for (const id of ["held", "second"]) {
      const r = await call(capped.port, "GET", `/v1/clusters/${id}`, { token: ADMIN_TOKEN });
      assert.equal(r.status, 404, `${id} was not registered`);
    }
  });
});

describe("proof of address under --workers 2", () => {
  test("a worker hands the registration to the primary, which runs the challenge and counts it", async (t) => {
    const data = makeTempDataPath();
    t.after(() => data.remove());
    const workers = await startGateway(t, data.path, [
      "--allow-private",
      "--workers",
      "2",
      "--admin-token",
      ADMIN_TOKEN,
    ]);
    key ??= seededKey(seededRandom("control proof keys (workers)"));
    const responder = await startResponder("worked", key);
    t.after(() => responder.close());
    const r = await call(workers.port, "POST", "/v1/clusters", {
      body: { ip: LB, port: responder.port, name: "worked", proofKey: key.proofKey },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(responder.seen.length, 1);
    const m = await call(workers.port, "GET", "/metrics", { token: ADMIN_TOKEN });
    assert.match(m.text, /^skipper_gateway_address_proofs_total\{result="passed"\} 1$/m);
  });
});
