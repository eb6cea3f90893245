import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  checkDomainName,
  checkImage,
  checkQuantity,
  checkTag,
  isEnvName,
  Problems,
  parseQuantity,
} from "../../core/validate/values.ts";

const ok = <T>(fn: (p: Problems) => T): { value: T; problems: string[] } => {
  const p = new Problems();
  const value = fn(p);
  return { value, problems: p.errors.map((e) => e.message) };
};

describe("parseQuantity", () => {
  it("reads Kubernetes' suffixes", () => {
    assert.equal(parseQuantity("500m"), 0.5);
    assert.equal(parseQuantity("2"), 2);
    assert.equal(parseQuantity("1.5"), 1.5);
    assert.equal(parseQuantity("256Mi"), 256 * 2 ** 20);
    assert.equal(parseQuantity("10Gi"), 10 * 2 ** 30);
    assert.equal(parseQuantity("10G"), 10e9);
    assert.equal(parseQuantity("1e3"), 1000);
    assert.equal(parseQuantity(".5"), 0.5);
  });

  it("refuses what Kubernetes refuses", () => {
    for (const bad of ["", "Mi", "10 Gi", "10GB", "1.2.3", "ten", "1Kb", "0x10", "1mi"]) {
      assert.equal(parseQuantity(bad), undefined, bad);
    }
  });

  it("property: n<suffix> is n times the suffix's factor, and binary ≥ decimal", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom("Ki", "Mi", "Gi", "Ti"), (n, s) => {
        const bin = parseQuantity(`${n}${s}`)!;
        const dec = parseQuantity(`${n}${s[0]}`.replace("K", "k"))!;
        assert.ok(bin >= dec);
        assert.equal(bin, n * 2 ** (10 * (["Ki", "Mi", "Gi", "Ti"].indexOf(s) + 1)));
      }),
    );
  });
});

describe("checkQuantity", () => {
  it("accepts positive quantities and refuses zero, negatives and unit-less memory", () => {
    assert.deepEqual(ok((p) => checkQuantity("250m", "cpu", "f", p)).problems, []);
    assert.match(ok((p) => checkQuantity("0", "cpu", "f", p)).problems[0]!, /greater than zero/);
    assert.match(ok((p) => checkQuantity("-1Gi", "bytes", "f", p)).problems[0]!, /greater than zero/);
    assert.match(ok((p) => checkQuantity("0.0001", "cpu", "f", p)).problems[0]!, /at least 1m/);
    assert.match(ok((p) => checkQuantity(512, "bytes", "f", p)).problems[0]!, /written as a string/);
    assert.match(ok((p) => checkQuantity("1GB", "bytes", "f", p)).problems[0]!, /did you mean '1Gi'/);
  });
});

describe("checkImage", () => {
  const good = [
    "nginx",
    "nginx:1.27",
    "library/nginx:1.27-alpine",
    "ghcr.io/acme/web:1.4.2",
    "localhost:5000/web",
    `registry.example.com:5000/team/api@sha256:${"0".repeat(64)}`,
    "Registry.Example.com/team/api:1", // a registry host may have capitals, a repository path may not
  ];
  const bad = [
    "",
    " nginx",
    "nginx :1",
    "Nginx:1",
    "ghcr.io/Acme/web:1",
    "nginx:",
    "nginx@sha256:xyz",
    "-nginx",
    "a//b",
  ];
  for (const image of good)
    it(`accepts ${image}`, () => assert.deepEqual(ok((p) => checkImage(image, "i", p)).problems, []));
  for (const image of bad) {
    it(`refuses ${JSON.stringify(image)}`, () => assert.equal(ok((p) => checkImage(image, "i", p)).problems.length, 1));
  }
});

describe("checkTag, isEnvName, checkDomainName", () => {
  it("tags", () => {
    for (const t of ["16", "16-alpine", "8.4", "7.4.1_rc1", "latest"])
      assert.equal(ok((p) => checkTag(t, "v", p)).value, t);
    for (const t of ["", "-x", ".x", "a b", "x".repeat(129), 16])
      assert.equal(ok((p) => checkTag(t, "v", p)).value, undefined);
  });

  it("env names", () => {
    for (const n of ["A", "_A", "DATABASE_URL", "a1"]) assert.ok(isEnvName(n), n);
    for (const n of ["", "1A", "A-B", "A B", "A=B"]) assert.ok(!isEnvName(n), n);
  });

  it("domain names", () => {
    assert.equal(ok((p) => checkDomainName("Shop.Example.com.", "d", p)).value, "shop.example.com");
    for (const d of [
      "localhost",
      "203.0.113.10",
      "a..b",
      "-a.com",
      "a.123",
      `${"a".repeat(64)}.com`,
      "*.example.com",
      3,
    ]) {
      assert.equal(ok((p) => checkDomainName(d, "d", p)).value, undefined, String(d));
    }
  });
});
