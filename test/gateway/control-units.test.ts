import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { AggregatorRegistry } from "prom-client";
import { plainAddress } from "../../core/net-address.ts";
import { clientAddress, TrustedProxies } from "../../gateway/control/client-address.ts";
import { ControlCounters, ownerMetrics, ServingMetrics } from "../../gateway/control/metrics.ts";
import { RateLimiter, rateKey } from "../../gateway/control/rate-limit.ts";
import {
  hashToken,
  looksLikeClusterToken,
  newToken,
  readBearer,
  secretsEqual,
  tokenMatches,
} from "../../gateway/control/tokens.ts";

test("tokens: 32 random bytes as 43 base64url characters; only the hash matches, in constant time", () => {
  const a = newToken();
  const b = newToken();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(a, "base64url").length, 32);
  assert.notEqual(a, b);
  const h = hashToken(a);
  assert.notEqual(h, a);
  assert.equal(tokenMatches(a, h), true);
  assert.equal(tokenMatches(b, h), false);
  assert.equal(tokenMatches(a, "short"), false, "a damaged stored hash never matches");
  assert.equal(looksLikeClusterToken(a), true);
  assert.equal(looksLikeClusterToken(`${a}x`), false);
  assert.equal(secretsEqual("admin-secret-1", "admin-secret-1"), true);
  assert.equal(secretsEqual("admin-secret-1", "admin-secret-12"), false);
});

test("readBearer tells missing, malformed and present tokens apart", () => {
  assert.deepEqual(readBearer(undefined), { kind: "missing" });
  assert.deepEqual(readBearer(""), { kind: "missing" });
  assert.deepEqual(readBearer("Bearer"), { kind: "malformed" });
  assert.deepEqual(readBearer("Basic abc"), { kind: "malformed" });
  assert.deepEqual(readBearer("Bearer a b"), { kind: "malformed" });
  assert.deepEqual(readBearer("bearer  tok"), { kind: "token", token: "tok" });
});

test("client address: the peer, unless a trusted proxy forwarded the request", () => {
  const none = new TrustedProxies([]);
  const proxy = new TrustedProxies(["10.0.0.0/8", "127.0.0.1", "fd00::/8"]);
  assert.equal(clientAddress("::ffff:203.0.113.5", "198.51.100.1", none), "203.0.113.5", "header ignored from anyone");
  assert.equal(
    clientAddress("203.0.113.5", "198.51.100.1", proxy),
    "203.0.113.5",
    "header ignored from untrusted peers",
  );
  assert.equal(clientAddress("10.1.1.1", "198.51.100.1", proxy), "198.51.100.1");
  assert.equal(
    clientAddress("10.1.1.1", "1.1.1.1, 198.51.100.1, 10.2.2.2", proxy),
    "198.51.100.1",
    "trusted hops skipped from the right",
  );
  assert.equal(clientAddress("10.1.1.1", ["1.1.1.1", "198.51.100.2"], proxy), "198.51.100.2");
  assert.equal(clientAddress("10.1.1.1", "garbage, 10.2.2.2", proxy), "10.2.2.2", "stop at garbage: the last good hop");
  assert.equal(clientAddress("10.1.1.1", undefined, proxy), "10.1.1.1");
  assert.equal(clientAddress("fd00::5", "2001:db8::1", proxy), "2001:db8::1");
  assert.equal(plainAddress("::ffff:1.2.3.4"), "1.2.3.4");
  assert.equal(plainAddress("::ffff:abcd"), "::ffff:abcd");
  for (const bad of ["10.0.0.0/33", "nope", "10.0.0.0/x", "::/129"]) {
    assert.throws(() => new TrustedProxies([bad]), /--trusted-proxy/, bad);
  }
});

test("an untrusted peer's address is the answer whatever X-Forwarded-For says (property)", () => {
  const proxy = new TrustedProxies(["10.0.0.0/8"]);
  fc.assert(
    fc.property(
      fc.ipV4().filter((ip) => !ip.startsWith("10.")),
      fc.string(),
      (peer, header) => {
        assert.equal(clientAddress(peer, header, proxy), peer);
      },
    ),
  );
});

test("rate limiter: burst, then refill at the rate, with a Retry-After in whole seconds", () => {
  let now = 0;
  const rl = new RateLimiter(60, 3, () => now);
  for (let i = 0; i < 3; i++) assert.equal(rl.take("198.51.100.1").allowed, true);
  const refused = rl.take("198.51.100.1");
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfter, 1);
  assert.equal(rl.take("198.51.100.2").allowed, true, "other clients have their own bucket");
  now += 1000;
  assert.equal(rl.take("198.51.100.1").allowed, true, "one token a second at 60/min");
  assert.equal(rl.take("198.51.100.1").allowed, false);
  now += 10_000;
  rl.sweep();
  assert.equal(rl.size, 0, "full buckets are forgotten");
});

test("rate limiter keys IPv6 clients by /64", () => {
  assert.equal(rateKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assert.equal(rateKey("2001:db8:1:2::9"), "2001:db8:1:2::/64");
  assert.equal(rateKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(rateKey("198.51.100.1"), "198.51.100.1");
  let now = 0;
  const rl = new RateLimiter(1, 1, () => now);
  assert.equal(rl.take("2001:db8:1:2::1").allowed, true);
  assert.equal(rl.take("2001:db8:1:2::2").allowed, false, "same /64, same bucket");
  assert.equal(rl.take("2001:db8:1:3::1").allowed, true);
  now += 1;
});

test("serving metrics: counters read at scrape time, latency histograms by plane; workers add up", async () => {
  const counters = new ControlCounters();
  const data = { requestsTotal: 0, inFlight: 0, connectFailuresTotal: 0, upstreamErrorsTotal: 0 };
  const a = new ServingMetrics(counters, () => data);
  const before = await a.registry.getMetricsAsJSON();
  counters.countResponse(201);
  counters.countResponse(201);
  counters.inFlight = 1;
  data.requestsTotal = 5;
  data.upstreamErrorsTotal = 2;
  a.observe("data", 0.003);
  a.observe("data", 0.2);
  a.observe("control", 0.001);
  const text = await a.registry.metrics();
  assert.match(text, /^skipper_gateway_requests_total\{plane="control",code="201"\} 2$/m);
  assert.match(text, /^skipper_gateway_in_flight\{plane="control"\} 1$/m);
  assert.match(text, /^# TYPE skipper_gateway_data_requests_total counter\nskipper_gateway_data_requests_total 5$/m);
  assert.match(text, /^# TYPE skipper_gateway_data_in_flight gauge$/m);
  assert.match(text, /^skipper_gateway_proxy_errors_total 2$/m);
  assert.match(text, /^skipper_gateway_request_duration_seconds_count\{plane="data"\} 2$/m);
  assert.match(text, /^skipper_gateway_request_duration_seconds_bucket\{le="0.005",plane="data"\} 1$/m);
  assert.match(text, /^skipper_gateway_request_duration_seconds_sum\{plane="control"\} 0.001$/m);
  // Two workers' figures, summed as the primary sums them.
  const b = new ServingMetrics(new ControlCounters(), () => ({ ...data, requestsTotal: 7 }));
  b.observe("data", 0.003);
  const sum = AggregatorRegistry.aggregate([await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()]);
  const summed = await sum.metrics();
  assert.match(summed, /^skipper_gateway_data_requests_total 12$/m);
  assert.match(summed, /^skipper_gateway_request_duration_seconds_count\{plane="data"\} 3$/m);
  assert.match(summed, /^skipper_gateway_request_duration_seconds_bucket\{le="0.005",plane="data"\} 2$/m);
  assert.notDeepEqual(before, await a.registry.getMetricsAsJSON(), "the figures moved");
});

test("owner metrics: registrations, events, address proofs and registry figures", async () => {
  const events = { created: 3, refused: 1 };
  const proofs = { passed: 5, "bad-signature": 2 };
  const text = await ownerMetrics({
    registrations: () => 2,
    events: () => events,
    proofs: () => proofs,
    proofsInFlight: () => 1,
    compactions: () => 1,
    logBytes: () => 4096,
    workers: () => 4,
  }).metrics();
  assert.match(text, /^skipper_gateway_address_proofs_total\{result="passed"\} 5$/m);
  assert.match(text, /^skipper_gateway_address_proofs_total\{result="bad-signature"\} 2$/m);
  assert.match(text, /^skipper_gateway_address_proofs_in_flight 1$/m);
  assert.match(text, /^skipper_gateway_registrations 2$/m);
  assert.match(text, /^skipper_gateway_registration_events_total\{event="created"\} 3$/m);
  assert.match(text, /^skipper_gateway_registry_compactions_total 1$/m);
  assert.match(text, /^skipper_gateway_registry_log_bytes 4096$/m);
  assert.match(text, /^skipper_gateway_workers 4$/m);
});
