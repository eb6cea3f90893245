import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTempDataPath } from "./registry-helpers.ts";
import { ADMIN_TOKEN, BASE, type CallOptions, call, type GatewayProcess, startGateway } from "./server-process.ts";

const OPEN_LIMITS = ["--rate-limit", "100000", "--rate-burst", "100000"];
let gw: GatewayProcess;
let port: number;

/** Register a named cluster and return its token. */
async function registerNamed(name: string, ip = "127.0.0.1", p = 8080): Promise<string> {
  const r = await call(port, "POST", "/v1/clusters", { body: { ip, port: p, name } });
  assert.equal(r.status, 201, r.text);
  return r.json.token;
}

describe("control plane (one gateway, trusting 127.0.0.1/32 as a proxy)", () => {
  const data = makeTempDataPath();
  before(async () => {
    gw = await startGateway(undefined, data.path, [
      "--allow-private",
      "--admin-token",
      ADMIN_TOKEN,
      "--trusted-proxy",
      "127.0.0.1/32",
      ...OPEN_LIMITS,
    ]);
    port = gw.port;
  });
  after(() => {
    gw.child.kill("SIGKILL");
    data.remove();
  });

  test("an IP-derived id is granted to its own address: 201 with a token and the host names", async () => {
    const r = await call(port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: 8080 } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.id, "127-0-0-1");
    assert.match(r.json.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(r.json.hosts, {
      cluster: `127-0-0-1.${BASE}`,
      apps: `<app>-127-0-0-1.${BASE}`,
      console: `console-127-0-0-1.${BASE}`,
    });
    const again = await call(port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", port: 8080 } });
    assert.equal(again.status, 409, "re-registering without the token");
    assert.equal(again.json.token, undefined, "the token is never shown again");
    assert.ok(!again.text.includes(r.json.token));
    const show = await call(port, "GET", "/v1/clusters/127-0-0-1", { token: r.json.token });
    assert.equal(show.status, 200, "the original token still works: it was not replaced");
    assert.equal(show.json.token, undefined);
    assert.equal(show.json.tokenHash, undefined);
    const renew = await call(port, "POST", "/v1/clusters", {
      body: { ip: "127.0.0.1", port: 8081 },
      token: r.json.token,
    });
    assert.equal(renew.status, 200, "re-registering with the token renews (and changes the port)");
    assert.equal(renew.json.port, 8081);
    assert.equal(renew.json.token, undefined);
    const wrong = await call(port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1" }, token: "A".repeat(43) });
    assert.equal(wrong.status, 403);
  });

  test("an IP-derived id for another address is refused, unless a trusted proxy says the request came from it", async () => {
    const direct = await call(port, "POST", "/v1/clusters", { body: { ip: "198.51.100.7" } });
    assert.equal(direct.status, 403, direct.text);
    assert.match(direct.json.error, /^ip: a cluster may register 198\.51\.100\.7 only from 198\.51\.100\.7 itself/);
    const spoofedChain = await call(port, "POST", "/v1/clusters", {
      body: { ip: "198.51.100.7" },
      headers: { "x-forwarded-for": "198.51.100.7, 198.51.100.8" },
    });
    assert.equal(spoofedChain.status, 403, "the nearest untrusted hop is the client, not the first entry");
    const viaProxy = await call(port, "POST", "/v1/clusters", {
      body: { ip: "198.51.100.7" },
      headers: { "x-forwarded-for": "198.51.100.7" },
    });
    assert.equal(viaProxy.status, 201, viaProxy.text);
    assert.equal(viaProxy.json.id, "198-51-100-7");
  });

  test("no registration points at an address its request did not come from (named ones too), nor moves there", async () => {
    const admin = { token: ADMIN_TOKEN };
    // 127.0.0.5 is not a trusted proxy: its own address is the caller, whatever X-Forwarded-For says.
    const relays: Array<[string, CallOptions]> = [
      [
        "a named registration for a third party's address",
        { body: { ip: "127.0.0.9", name: "relay" }, from: "127.0.0.5" },
      ],
      [
        "a spoofed X-Forwarded-For from an untrusted peer",
        { body: { ip: "127.0.0.9", name: "relay" }, from: "127.0.0.5", headers: { "x-forwarded-for": "127.0.0.9" } },
      ],
      [
        "a trusted proxy forwarding another client",
        { body: { ip: "203.0.113.9", name: "relay" }, headers: { "x-forwarded-for": "198.51.100.30" } },
      ],
    ];
    for (const [what, opts] of relays) {
      const r = await call(port, "POST", "/v1/clusters", opts);
      assert.equal(r.status, 403, `${what}: ${r.text}`);
      assert.match(
        r.json.error,
        /^ip: a cluster may register [\d.]+ only from [\d.]+ itself, and this request came from /,
      );
      assert.equal(r.json.token, undefined);
    }
    assert.equal((await call(port, "GET", "/v1/clusters/relay", admin)).status, 404, "nothing was registered");
    assert.equal((await call(port, "GET", "/", { host: `web--relay.${BASE}` })).status, 404, "nothing is routed");

    const token = await registerNamed("anchored", "127.0.0.1", 8000);
    const before = (await call(port, "GET", "/v1/clusters/anchored", admin)).json;
    const moves: Array<[string, string, CallOptions]> = [
      ["a move to another address", "PUT", { body: { ip: "127.0.0.9", port: 22 }, token }],
      [
        "a re-registration with the token at another address",
        "POST",
        { body: { ip: "127.0.0.9", name: "anchored" }, token },
      ],
      [
        "a move through a spoofed X-Forwarded-For",
        "PUT",
        { body: { ip: "127.0.0.9" }, token, from: "127.0.0.5", headers: { "x-forwarded-for": "127.0.0.9" } },
      ],
    ];
    for (const [what, method, opts] of moves) {
      const path = method === "PUT" ? "/v1/clusters/anchored" : "/v1/clusters";
      const r = await call(port, method, path, opts);
      assert.equal(r.status, 403, `${what}: ${r.text}`);
      assert.match(
        r.json.error,
        /^ip: (cluster anchored may move to|a cluster may register) 127\.0\.0\.9 only from 127\.0\.0\.9 itself/,
      );
    }
    assert.deepEqual((await call(port, "GET", "/v1/clusters/anchored", admin)).json, before, "the record is unchanged");
    const fromThere = await call(port, "PUT", "/v1/clusters/anchored", {
      body: { ip: "127.0.0.9" },
      token,
      from: "127.0.0.9",
    });
    assert.equal(
      fromThere.status,
      200,
      `the host that holds the address may move the cluster there: ${fromThere.text}`,
    );
    assert.equal(fromThere.json.ip, "127.0.0.9");
  });

  test("names: free ones are granted, taken and reserved ones are refused with 409, malformed with 400", async () => {
    await registerNamed("acme");
    const taken = await call(port, "POST", "/v1/clusters", {
      body: { ip: "127.0.0.2", name: "acme" },
      from: "127.0.0.2",
    });
    assert.equal(taken.status, 409);
    assert.equal(taken.json.token, undefined);
    for (const name of ["console", "api", "www", "admin", "gateway"]) {
      const r = await call(port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", name } });
      assert.equal(r.status, 409, `reserved ${name}`);
      assert.match(r.json.error, /reserved/);
    }
    for (const name of ["Acme", "a--b", "x-1-2-3-4", "-a", "a".repeat(64), "ünï", ""]) {
      const r = await call(port, "POST", "/v1/clusters", { body: { ip: "127.0.0.1", name } });
      assert.equal(r.status, 400, `name ${JSON.stringify(name)}: ${r.text}`);
      assert.match(r.json.error, /^name: /);
    }
    const named = await call(port, "GET", "/v1/clusters/acme", { token: await registerNamed("acme2") });
    assert.equal(named.status, 403, "acme2's token does not open acme");
  });

  test("malformed bodies are refused with 400 and say which field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2], /JSON object/],
      [{}, /^ip: /],
      [{ ip: "not-an-ip" }, /^ip: /],
      [{ ip: "127.0.0.1", port: 0 }, /^port: /],
      [{ ip: "127.0.0.1", port: 70000 }, /^port: /],
      [{ ip: "127.0.0.1", port: "80" }, /^port: /],
      [{ ip: "127.0.0.1", name: 5 }, /^name: /],
      [{ ip: "127.0.0.1", extra: true }, /unknown field "extra"/],
      [{ ip: "::1" }, /IPv6 address has no IP-derived id/],
    ];
    for (const [body, error] of cases) {
      const r = await call(port, "POST", "/v1/clusters", { body });
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.json.error, error);
    }
    const notJson = await call(port, "POST", "/v1/clusters", { raw: "{nope" });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error, "the body is not valid JSON");
    const textBody = await call(port, "POST", "/v1/clusters", {
      raw: "ip=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(textBody.status, 415);
    assert.equal(typeof textBody.json.error, "string");
  });

  test("a body over 4 KiB gets 413", async () => {
    const r = await call(port, "POST", "/v1/clusters", {
      body: { ip: "127.0.0.1", name: "big", pad: "x".repeat(5000) },
    });
    assert.equal(r.status, 413);
    assert.match(r.json.error, /4096 bytes/);
  });

  test("no token, a malformed token or another cluster's token get 401/403 and change nothing", async () => {
    const mine = await registerNamed("owner", "127.0.0.1", 9000);
    const theirs = await registerNamed("intruder");
    const before = (await call(port, "GET", "/v1/clusters/owner", { token: mine })).json;
    const attempts: Array<[string, string, Record<string, string>, number]> = [
      ["GET", "/v1/clusters/owner", {}, 401],
      ["GET", "/v1/clusters/owner", { authorization: "Basic b3duZXI6eA==" }, 401],
      ["GET", "/v1/clusters/owner", { authorization: "Bearer short" }, 401],
      ["GET", "/v1/clusters/owner", { authorization: `Bearer ${theirs}` }, 403],
      ["PUT", "/v1/clusters/owner", {}, 401],
      ["PUT", "/v1/clusters/owner", { authorization: `Bearer ${theirs}` }, 403],
      ["POST", "/v1/clusters/owner/heartbeat", {}, 401],
      ["POST", "/v1/clusters/owner/heartbeat", { authorization: `Bearer ${theirs}` }, 403],
      ["DELETE", "/v1/clusters/owner", { authorization: "Bearer" }, 401],
      ["DELETE", "/v1/clusters/owner", { authorization: `Bearer ${theirs}` }, 403],
    ];
    for (const [method, path, headers, status] of attempts) {
      const body = method === "PUT" ? { ip: "127.0.0.9", port: 1 } : undefined;
      const r = await call(port, method, path, { headers, body });
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(headers)}: ${r.text}`);
      if (status === 401) assert.match(String(r.headers["www-authenticate"]), /^Bearer/);
    }
    const after = (await call(port, "GET", "/v1/clusters/owner", { token: mine })).json;
    assert.deepEqual(after, before, "the record is unchanged");
  });

  test("move, heartbeat, read and release with the token", async () => {
    const token = await registerNamed("mover", "127.0.0.1", 8000);
    const moved = await call(port, "PUT", "/v1/clusters/mover", {
      body: { ip: "127.0.0.3", port: 8443 },
      token,
      from: "127.0.0.3",
    });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.ip, "127.0.0.3");
    assert.equal(moved.json.port, 8443);
    const resent = await call(port, "PUT", "/v1/clusters/mover", {
      body: { ip: "127.0.0.3", port: 8443, name: "mover" },
      token,
      from: "127.0.0.3",
    });
    assert.equal(resent.status, 200, "the registration body itself is accepted (its name is this cluster's)");
    const renamed = await call(port, "PUT", "/v1/clusters/mover", { body: { ip: "127.0.0.3", name: "other" }, token });
    assert.equal(renamed.status, 400);
    const before = (await call(port, "GET", "/v1/clusters/mover", { token })).json;
    await new Promise((r) => setTimeout(r, 20));
    const beat = await call(port, "POST", "/v1/clusters/mover/heartbeat", {
      token,
      headers: { "content-type": "application/json" },
    });
    assert.equal(beat.status, 200);
    assert.ok(Date.parse(beat.json.lastSeen) > Date.parse(before.lastSeen));
    assert.ok(Date.parse(beat.json.expiresAt) > Date.parse(before.expiresAt));
    const gone = await call(port, "DELETE", "/v1/clusters/mover", { token });
    assert.equal(gone.status, 204);
    assert.equal((await call(port, "GET", "/v1/clusters/mover", { token })).status, 404);
    const data = await call(port, "GET", "/", { host: `web--mover.${BASE}` });
    assert.equal(data.status, 404, "a released cluster is no longer routed");
  });

  test("an IP-derived id cannot move to another address, only change its port", async () => {
    const reg = await call(port, "POST", "/v1/clusters", {
      body: { ip: "198.51.100.20" },
      headers: { "x-forwarded-for": "198.51.100.20" },
    });
    assert.equal(reg.status, 201, reg.text);
    const token = reg.json.token;
    const away = await call(port, "PUT", "/v1/clusters/198-51-100-20", { body: { ip: "198.51.100.21" }, token });
    assert.equal(away.status, 409);
    const portOnly = await call(port, "PUT", "/v1/clusters/198-51-100-20", {
      body: { ip: "198.51.100.20", port: 8080 },
      token,
      headers: { "x-forwarded-for": "198.51.100.20" },
    });
    assert.equal(portOnly.status, 200);
    assert.equal(portOnly.json.port, 8080);
  });

  test("the admin token can read and release any cluster; unknown ids are 404", async () => {
    await registerNamed("lost");
    const show = await call(port, "GET", "/v1/clusters/lost", { token: ADMIN_TOKEN });
    assert.equal(show.status, 200);
    assert.equal(
      (await call(port, "PUT", "/v1/clusters/lost", { token: ADMIN_TOKEN, body: { ip: "127.0.0.1" } })).status,
      401,
    );
    assert.equal((await call(port, "DELETE", "/v1/clusters/lost", { token: ADMIN_TOKEN })).status, 204);
    assert.equal((await call(port, "GET", "/v1/clusters/nobody", { token: "B".repeat(43) })).status, 404);
  });

  test("/healthz, unknown endpoints and /metrics with its admin token", async () => {
    const h = await call(port, "GET", "/healthz");
    assert.equal(h.status, 200);
    assert.deepEqual(h.json, { status: "ok" });
    const nowhere = await call(port, "GET", "/v2/whatever");
    assert.equal(nowhere.status, 404);
    assert.match(nowhere.json.error, /no such endpoint/);
    assert.equal((await call(port, "GET", "/metrics")).status, 401);
    assert.equal((await call(port, "GET", "/metrics", { token: "not-the-admin-token" })).status, 403);
    const m = await call(port, "GET", "/metrics", { token: ADMIN_TOKEN });
    assert.equal(m.status, 200);
    assert.match(String(m.headers["content-type"]), /^text\/plain/);
    const registrations = Number(/^skipper_gateway_registrations (\d+)$/m.exec(m.text)?.[1]);
    assert.ok(registrations >= 3, m.text);
    assert.match(m.text, /^skipper_gateway_requests_total\{plane="control",code="201"\} \d+$/m);
    assert.match(m.text, /^skipper_gateway_registration_events_total\{event="created"\} \d+$/m);
    assert.match(m.text, /^skipper_gateway_data_requests_total \d+$/m);
    assert.match(m.text, /^skipper_gateway_proxy_errors_total \d+$/m);
    assert.match(m.text, /^skipper_gateway_in_flight\{plane="control"\} 1$/m, "this request is in flight");
    // The latency histograms count every finished request, by plane.
    const count = (text: string, plane: string) =>
      Number(
        new RegExp(`^skipper_gateway_request_duration_seconds_count\\{plane="${plane}"\\} (\\d+)$`, "m").exec(
          text,
        )?.[1],
      );
    const dataBefore = count(m.text, "data");
    const controlBefore = count(m.text, "control");
    assert.ok(controlBefore >= 5, m.text);
    assert.equal((await call(port, "GET", "/", { host: `nobody.${BASE}` })).status, 404);
    const again = await call(port, "GET", "/metrics", { token: ADMIN_TOKEN });
    assert.equal(count(again.text, "data"), dataBefore + 1, "one more data-plane request");
    assert.equal(count(again.text, "control"), controlBefore + 1, "the previous /metrics request");
  });
});

describe("control plane with defaults (public addresses only, small rate limit, 1 s TTL)", () => {
  let g: GatewayProcess;
  const data = makeTempDataPath();
  before(async () => {
    // 127.0.0.2 plays the TLS terminator in front of the gateway; requests from 127.0.0.1 come from an untrusted peer.
    g = await startGateway(undefined, data.path, [
      ...["--trusted-proxy", "127.0.0.2/32"],
      ...["--rate-limit", "60", "--rate-burst", "40", "--heartbeat-ttl", "1s"],
    ]);
  });
  after(() => {
    g.child.kill("SIGKILL");
    data.remove();
  });

  /** A request the trusted proxy (127.0.0.2) forwards for `client`. */
  const proxied = (client: string): CallOptions => ({ from: "127.0.0.2", headers: { "x-forwarded-for": client } });

  test("X-Forwarded-For from an untrusted peer is ignored", async () => {
    const r = await call(g.port, "POST", "/v1/clusters", {
      body: { ip: "8.8.8.8" },
      headers: { "x-forwarded-for": "8.8.8.8" },
    });
    assert.equal(r.status, 403, r.text);
    assert.match(r.json.error, /came from 127\.0\.0\.1/);
  });

  test("private, loopback, link-local, CGNAT, multicast and documentation addresses are refused", async () => {
    for (const ip of [
      "10.1.2.3",
      "127.0.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "224.0.0.1",
      "192.0.2.1",
      "::1",
      "fd00::1",
    ]) {
      const r = await call(g.port, "POST", "/v1/clusters", { body: { ip, name: "private" } });
      assert.equal(r.status, 400, `${ip}: ${r.text}`);
      assert.match(r.json.error, /^ip: must be a public IP address/);
    }
    const ok = await call(g.port, "POST", "/v1/clusters", {
      body: { ip: "8.8.8.8", name: "public" },
      ...proxied("8.8.8.8"),
    });
    assert.equal(ok.status, 201, ok.text);
  });

  test("registrations without heartbeats expire after the TTL; heartbeats keep one alive", async () => {
    const a = await call(g.port, "POST", "/v1/clusters", {
      body: { ip: "1.1.1.1", name: "beating" },
      ...proxied("1.1.1.1"),
    });
    const b = await call(g.port, "POST", "/v1/clusters", {
      body: { ip: "1.0.0.1", name: "silent" },
      ...proxied("1.0.0.1"),
    });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 250));
      assert.equal((await call(g.port, "POST", "/v1/clusters/beating/heartbeat", { token: a.json.token })).status, 200);
    }
    assert.equal((await call(g.port, "GET", "/v1/clusters/beating", { token: a.json.token })).status, 200);
    assert.equal((await call(g.port, "GET", "/v1/clusters/silent", { token: b.json.token })).status, 404);
    const again = await call(g.port, "POST", "/v1/clusters", {
      body: { ip: "1.0.0.2", name: "silent" },
      ...proxied("1.0.0.2"),
    });
    assert.equal(again.status, 201, "an expired name is free again");
  });

  test("each client gets a burst, then 429 with Retry-After; /healthz is never limited", async () => {
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const r = await call(g.port, "GET", "/v1/clusters/nobody", { token: "C".repeat(43) });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 404);
    }
    assert.ok(limited, "the burst of 40 ran out");
    assert.ok(Number(limited.headers["retry-after"]) >= 1);
    assert.match(limited.json.error, /too many requests/);
    assert.equal((await call(g.port, "GET", "/healthz")).status, 200);
    await new Promise((r) => setTimeout(r, 1100)); // 60/min refills one request a second
    assert.notEqual((await call(g.port, "GET", "/v1/clusters/nobody", { token: "C".repeat(43) })).status, 429);
  });
});
