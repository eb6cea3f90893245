/**
 * Isolation: a corpus of hostile Host headers and request lines. Two clusters are registered (alpha = 1-2-3-4,
 * beta = acme); a canary server that is registered nowhere must never see a connection. Every request either reaches
 * exactly the cluster its label names or is refused with 400/404.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import {
  BASE,
  type Harness,
  listen,
  rawRequest,
  startProxyHarness,
  startUpstream,
  statusOf,
  type Upstream,
} from "./support-proxy.ts";

type Expect = "alpha" | "beta" | "refused";
interface Case {
  readonly name: string;
  /** Header lines (without Connection), or a function of the canary port. */
  readonly headers: string | ((canary: number) => string);
  readonly requestLine?: string | ((canary: number) => string);
  readonly expect: Expect;
}

const h = (host: string) => `Host: ${host}\r\n`;
const long = "a".repeat(64);

const CORPUS: Case[] = [
  { name: "plain IP-derived cluster", headers: h(`1-2-3-4.${BASE}`), expect: "alpha" },
  { name: "plain named cluster", headers: h(`acme.${BASE}`), expect: "beta" },
  { name: "upper case", headers: h(`ACME.${BASE.toUpperCase()}`), expect: "beta" },
  { name: "mixed case app label", headers: h(`HeLLo-1-2-3-4.${BASE}`), expect: "alpha" },
  { name: "trailing dot", headers: h(`acme.${BASE}.`), expect: "beta" },
  { name: "port suffix", headers: h(`acme.${BASE}:80`), expect: "beta" },
  { name: "zero-padded port", headers: h(`1-2-3-4.${BASE}:0080`), expect: "alpha" },
  { name: "two trailing dots", headers: h(`acme.${BASE}..`), expect: "refused" },
  { name: "empty port", headers: h(`acme.${BASE}:`), expect: "refused" },
  { name: "two ports", headers: h(`acme.${BASE}:80:80`), expect: "refused" },
  { name: "non-numeric port", headers: h(`acme.${BASE}:http`), expect: "refused" },
  { name: "IPv6 loopback literal", headers: h("[::1]"), expect: "refused" },
  { name: "IPv6 literal with port", headers: h("[::1]:80"), expect: "refused" },
  { name: "IPv4-mapped IPv6 literal", headers: h("[::ffff:127.0.0.1]"), expect: "refused" },
  { name: "IPv4 loopback literal", headers: h("127.0.0.1"), expect: "refused" },
  { name: "the canary's own address", headers: (c) => h(`127.0.0.1:${c}`), expect: "refused" },
  { name: "localhost", headers: h("localhost"), expect: "refused" },
  { name: "the base domain itself", headers: h(BASE), expect: "refused" },
  { name: "empty label", headers: h(`.${BASE}`), expect: "refused" },
  { name: "two labels", headers: h(`a.acme.${BASE}`), expect: "refused" },
  { name: "base as a prefix of another domain", headers: h(`acme.${BASE}.evil.example`), expect: "refused" },
  { name: "base without the dot", headers: h(`acme${BASE}`), expect: "refused" },
  { name: "base with a suffix", headers: h(`acme.${BASE}x`), expect: "refused" },
  { name: "dash instead of dot", headers: h(`acme-${BASE}`), expect: "refused" },
  { name: "leading double dash", headers: h(`--acme.${BASE}`), expect: "refused" },
  { name: "trailing double dash", headers: h(`acme--.${BASE}`), expect: "refused" },
  { name: "app with trailing double dash", headers: h(`hello--acme--.${BASE}`), expect: "refused" },
  { name: "four dashes", headers: h(`hello----acme.${BASE}`), expect: "refused" },
  { name: "three dashes", headers: h(`hello---acme.${BASE}`), expect: "refused" },
  { name: "name then IP: the IP tail names the cluster", headers: h(`x--acme--1-2-3-4.${BASE}`), expect: "alpha" },
  { name: "IP then name: the last -- names the cluster", headers: h(`1-2-3-4--acme.${BASE}`), expect: "beta" },
  { name: "IP label under another label", headers: h(`1-2-3-4.acme.${BASE}`), expect: "refused" },
  { name: "name label under an IP label", headers: h(`acme.1-2-3-4.${BASE}`), expect: "refused" },
  { name: "overlong label", headers: h(`${long}--acme.${BASE}`), expect: "refused" },
  { name: "63-character label", headers: h(`${"a".repeat(57)}--acme.${BASE}`), expect: "beta" },
  { name: "overlong name", headers: h(`${long}.${BASE}`), expect: "refused" },
  { name: "Cyrillic homoglyph", headers: h(`\u0430cme.${BASE}`), expect: "refused" },
  { name: "full-width dot", headers: h(`acme\uff0e${BASE}`), expect: "refused" },
  { name: "punycode naming an unregistered cluster", headers: h(`xn--acme-x1a.${BASE}`), expect: "refused" },
  { name: "zero-padded dashed IP", headers: h(`1-2-3-04.${BASE}`), expect: "refused" },
  { name: "leading-zero dashed IP", headers: h(`01-2-3-4.${BASE}`), expect: "refused" },
  { name: "five numbers names 2-3-4-5", headers: h(`1-2-3-4-5.${BASE}`), expect: "refused" },
  { name: "hex-looking IP", headers: h(`0x1-2-3-4.${BASE}`), expect: "refused" },
  { name: "dotted IP under base", headers: h(`1.2.3.4.${BASE}`), expect: "refused" },
  { name: "loopback as dashed IP", headers: h(`127-0-0-1.${BASE}`), expect: "refused" },
  { name: "unspecified as dashed IP", headers: h(`0-0-0-0.${BASE}`), expect: "refused" },
  { name: "userinfo", headers: h(`acme.${BASE}@1-2-3-4.${BASE}`), expect: "refused" },
  { name: "path in Host", headers: h(`1-2-3-4.${BASE}/..`), expect: "refused" },
  { name: "percent-encoded dot", headers: h(`acme.${BASE}%2e`), expect: "refused" },
  { name: "wildcard", headers: h(`*.${BASE}`), expect: "refused" },
  { name: "space inside", headers: h(`acme .${BASE}`), expect: "refused" },
  { name: "surrounding whitespace is trimmed", headers: `Host:   acme.${BASE}  \r\n`, expect: "beta" },
  { name: "duplicate Host headers", headers: h(`acme.${BASE}`) + h(`1-2-3-4.${BASE}`), expect: "refused" },
  { name: "duplicate identical Host headers", headers: h(`acme.${BASE}`) + h(`acme.${BASE}`), expect: "refused" },
  { name: "Host as a folded line", headers: `Host: acme.${BASE}\r\n 1-2-3-4.${BASE}\r\n`, expect: "refused" },
  { name: "empty Host", headers: "Host: \r\n", expect: "refused" },
  { name: "no Host", headers: "X-Nothing: 1\r\n", expect: "refused" },
  { name: "HTTP/1.0 without Host", headers: "", requestLine: "GET /probe HTTP/1.0", expect: "refused" },
  {
    name: ":authority pseudo-header",
    headers: `:authority: 1-2-3-4.${BASE}\r\n` + h(`acme.${BASE}`),
    expect: "refused",
  },
  {
    name: "X-Forwarded-Host does not route",
    headers: `X-Forwarded-Host: 1-2-3-4.${BASE}\r\n` + h(`acme.${BASE}`),
    expect: "beta",
  },
  {
    name: "absolute-form target names another cluster",
    headers: h(`acme.${BASE}`),
    requestLine: `GET http://1-2-3-4.${BASE}/probe HTTP/1.1`,
    expect: "beta",
  },
  {
    name: "absolute-form target names the canary",
    headers: h(`acme.${BASE}`),
    requestLine: (c) => `GET http://127.0.0.1:${c}/probe HTTP/1.1`,
    expect: "beta",
  },
  {
    name: "absolute-form target with an unknown Host",
    headers: h(`nobody.${BASE}`),
    requestLine: `GET http://acme.${BASE}/probe HTTP/1.1`,
    expect: "refused",
  },
  {
    name: "CONNECT to the canary",
    headers: (c) => h(`127.0.0.1:${c}`),
    requestLine: (c) => `CONNECT 127.0.0.1:${c} HTTP/1.1`,
    expect: "refused",
  },
  {
    name: "asterisk-form OPTIONS with unknown Host",
    headers: h("localhost"),
    requestLine: "OPTIONS * HTTP/1.1",
    expect: "refused",
  },
];

let gw: Harness;
let alpha: Upstream;
let beta: Upstream;
let canary: net.Server;
let canaryPort: number;
let canaryHits = 0;

before(async () => {
  gw = await startProxyHarness();
  alpha = await startUpstream("alpha");
  beta = await startUpstream("beta");
  canary = net.createServer((socket) => {
    canaryHits++;
    socket.destroy();
  });
  canaryPort = await listen(canary);
  gw.clusters.set("1-2-3-4", { ip: "127.0.0.1", port: alpha.port });
  gw.clusters.set("acme", { ip: "127.0.0.1", port: beta.port });
});

after(async () => {
  await gw.close();
  await Promise.all([alpha.close(), beta.close()]);
  await new Promise<void>((resolve) => canary.close(() => resolve()));
});

test(`the hostile Host corpus (${CORPUS.length} cases) reaches only the named cluster or is refused`, async () => {
  assert.ok(CORPUS.length >= 40);
  const failures: string[] = [];
  for (const c of CORPUS) {
    const headers = typeof c.headers === "function" ? c.headers(canaryPort) : c.headers;
    const line =
      typeof c.requestLine === "function" ? c.requestLine(canaryPort) : (c.requestLine ?? "GET /probe HTTP/1.1");
    const seenBefore = { alpha: alpha.seen.length, beta: beta.seen.length };
    const raw = await rawRequest(gw.port, Buffer.from(`${line}\r\n${headers}Connection: close\r\n\r\n`, "utf8"), 3000);
    const status = statusOf(raw);
    const reached = {
      alpha: alpha.seen.length - seenBefore.alpha,
      beta: beta.seen.length - seenBefore.beta,
    };
    const upstreamHeader = /\r\nx-upstream: (\w+)\r\n/i.exec(raw)?.[1];
    let ok: boolean;
    if (c.expect === "refused") {
      // Node closes some malformed requests without an answer (status 0) — also a refusal.
      ok = [0, 400, 404].includes(status) && reached.alpha + reached.beta === 0;
    } else {
      const other = c.expect === "alpha" ? "beta" : "alpha";
      ok = status === 200 && upstreamHeader === c.expect && reached[c.expect] === 1 && reached[other] === 0;
    }
    if (!ok)
      failures.push(
        `${c.name}: status ${status}, upstream ${upstreamHeader ?? "-"}, reached ${JSON.stringify(reached)}`,
      );
  }
  assert.deepEqual(failures, []);
  assert.equal(canaryHits, 0, "the canary was never contacted");
});

test("a refused Host never opens an upstream connection", async () => {
  const before = gw.plane.stats().upstreamConnectsTotal + gw.plane.stats().upstreamReusesTotal;
  for (const host of [`nobody.${BASE}`, "[::1]", `127-0-0-1.${BASE}`, `acme.${BASE}..`]) {
    const raw = await rawRequest(gw.port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.ok([400, 404].includes(statusOf(raw)), host);
  }
  const after = gw.plane.stats().upstreamConnectsTotal + gw.plane.stats().upstreamReusesTotal;
  assert.equal(after, before);
});

test("registered non-public or non-IP addresses are never dialled without allowPrivate", async () => {
  const strict = await startProxyHarness({ allowPrivate: false });
  try {
    const targets: Record<string, { ip: string; port: number }> = {
      loopback: { ip: "127.0.0.1", port: canaryPort },
      "v6-loopback": { ip: "::1", port: canaryPort },
      mapped: { ip: "::ffff:127.0.0.1", port: canaryPort },
      metadata: { ip: "169.254.169.254", port: 80 },
      private: { ip: "10.0.0.1", port: 80 },
      hostname: { ip: "localhost", port: canaryPort },
      "bad-port": { ip: "8.8.8.8", port: 0 },
    };
    for (const [id, address] of Object.entries(targets)) strict.clusters.set(id, address);
    for (const id of Object.keys(targets)) {
      const raw = await rawRequest(
        strict.port,
        `GET / HTTP/1.1\r\nHost: app--${id}.${BASE}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(raw), 502, id);
    }
    assert.equal(canaryHits, 0);
    assert.equal(strict.plane.stats().refusedAddressTotal, Object.keys(targets).length);
    assert.equal(strict.plane.stats().upstreamConnectsTotal, 0);
  } finally {
    await strict.close();
  }
});
