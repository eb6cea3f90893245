import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SpecError } from "../../core/errors.ts";
import {
  appHost,
  type ClusterRef,
  clusterHost,
  clusterIdFromIp,
  clusterNameProblem,
  consoleHost,
  ipFromClusterId,
  isDnsLabel,
  normaliseDomain,
  parseHost,
  parseLabel,
} from "../../core/naming.ts";

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const labelChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split(""));
/** App names: DNS labels, possibly with single dashes inside. */
const appName = fc
  .array(fc.string({ unit: labelChar, minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join("-"));
/** Cluster names that the scheme accepts. */
const clusterName = appName.filter((n) => clusterNameProblem(n) === undefined);

describe("cluster ids", () => {
  it("round-trips an IPv4 address through its dashed id", () => {
    fc.assert(
      fc.property(ipv4, (ip) => {
        const id = clusterIdFromIp(ip);
        assert.ok(isDnsLabel(id));
        assert.equal(ipFromClusterId(id), ip);
      }),
    );
  });

  it("refuses addresses that are not dotted IPv4", () => {
    for (const bad of ["256.1.1.1", "1.2.3", "01.2.3.4", "::1", "example.com", ""]) {
      assert.throws(() => clusterIdFromIp(bad), SpecError, bad);
    }
  });

  it("refuses cluster names that collide with the IP form, the separator or reserved words", () => {
    assert.match(clusterNameProblem("a--b") ?? "", /--/);
    assert.match(clusterNameProblem("shop-1-2-3-4") ?? "", /four dash-separated numbers/);
    assert.match(clusterNameProblem("console") ?? "", /reserved/);
    assert.match(clusterNameProblem("Acme") ?? "", /DNS-1123/);
    assert.equal(clusterNameProblem("acme"), undefined);
  });
});

describe("building hosts", () => {
  it("uses a single dash for IP clusters and a double dash for named ones", () => {
    const ip: ClusterRef = { kind: "ip", ip: "203.0.113.10" };
    const named: ClusterRef = { kind: "name", name: "acme" };
    assert.equal(clusterHost(ip, "skipper.run"), "203-0-113-10.skipper.run");
    assert.equal(appHost("hello", ip, "skipper.run"), "hello-203-0-113-10.skipper.run");
    assert.equal(consoleHost(ip, "Skipper.Run."), "console-203-0-113-10.skipper.run");
    assert.equal(appHost("my-app", named, "skipper.run"), "my-app--acme.skipper.run");
    assert.equal(clusterHost(named, "skipper.run"), "acme.skipper.run");
  });

  it("refuses a label longer than 63 characters, naming the rule", () => {
    const long = "a".repeat(55);
    assert.throws(() => appHost(long, { kind: "ip", ip: "203.0.113.10" }, "skipper.run"), /63/);
  });
});

describe("parsing hosts", () => {
  it("recovers app and cluster from every host it builds (IP clusters)", () => {
    fc.assert(
      fc.property(appName, ipv4, (app, ip) => {
        const host = appHost(app, { kind: "ip", ip }, "skipper.run");
        fc.pre(host.length <= 63 + ".skipper.run".length);
        assert.deepEqual(parseHost(host, "skipper.run"), { clusterId: clusterIdFromIp(ip), kind: "ip", prefix: app });
      }),
      { numRuns: 2000 },
    );
  });

  it("recovers app and cluster from every host it builds (named clusters)", () => {
    fc.assert(
      fc.property(appName, clusterName, (app, name) => {
        fc.pre(app.length + name.length + 2 <= 63);
        const host = appHost(app, { kind: "name", name }, "skipper.run");
        assert.deepEqual(parseHost(host, "skipper.run"), { clusterId: name, kind: "name", prefix: app });
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts case, a trailing dot and a port, nothing else", () => {
    const expected = { clusterId: "203-0-113-10", kind: "ip", prefix: "web" };
    assert.deepEqual(parseHost("WEB-203-0-113-10.Skipper.Run", "skipper.run"), expected);
    assert.deepEqual(parseHost("web-203-0-113-10.skipper.run.", "skipper.run"), expected);
    assert.deepEqual(parseHost("web-203-0-113-10.skipper.run:8443", "skipper.run"), expected);
    for (const bad of [
      "web-203-0-113-10.skipper.run.evil.com",
      "a.web-203-0-113-10.skipper.run",
      "skipper.run",
      ".skipper.run",
      "web-203-0-113-10.skipper.run:",
      "web-203-0-113-10.skipper.run:abc",
      "[::1]",
      "[::1]:80",
      "wéb-203-0-113-10.skipper.run",
      "web-203-0-113-10.skipperxrun",
      "web-203-0-113-10skipper.run",
      `${"a".repeat(64)}.skipper.run`,
      "-web-203-0-113-10.skipper.run",
      "web--.skipper.run",
      "--acme.skipper.run",
      "web--console.skipper.run",
      "web-999-0-113-10.skipper.run",
      "",
    ]) {
      assert.equal(parseHost(bad, "skipper.run"), undefined, bad);
    }
  });

  it("never names a cluster other than the one at the end of the label", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (label) => {
        const parsed = parseLabel(label);
        if (!parsed) return;
        assert.ok(isDnsLabel(label));
        assert.ok(label.endsWith(parsed.clusterId), `${label} → ${parsed.clusterId}`);
      }),
      { numRuns: 5000 },
    );
  });

  it("treats the double-dash spelling of an IP host as the same cluster", () => {
    assert.deepEqual(parseLabel("web--203-0-113-10"), { clusterId: "203-0-113-10", kind: "ip", prefix: "web" });
    assert.equal(parseLabel("web---203-0-113-10"), undefined);
  });
});

describe("normaliseDomain", () => {
  it("lower-cases and strips one trailing dot, nothing else", () => {
    assert.equal(normaliseDomain("Skipper.RUN."), "skipper.run");
    assert.equal(normaliseDomain("skipper.run"), "skipper.run");
    assert.equal(normaliseDomain("a.b.."), "a.b.");
    assert.equal(normaliseDomain(" a.b "), " a.b ");
    assert.equal(normaliseDomain(""), "");
  });
});
