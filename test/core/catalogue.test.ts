import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CATALOGUE, credentialKeys, ENGINES, isEngine } from "../../core/catalogue.ts";
import {
  appLabels,
  appSelector,
  isLabelValue,
  LABEL_MANAGED_BY,
  serviceLabels,
  serviceSelector,
} from "../../core/labels.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { checkImage, checkQuantity, checkTag, Problems, parseQuantity } from "../../core/validate/values.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

describe("catalogue", () => {
  it("covers postgres, mysql, redis and mongodb", () => {
    assert.deepEqual([...ENGINES], ["mongodb", "mysql", "postgres", "redis"]);
    assert.ok(isEngine("postgres"));
    assert.ok(!isEngine("toString"), "no prototype keys");
  });

  for (const engine of ENGINES) {
    it(`${engine}: consistent defaults`, () => {
      const e = CATALOGUE[engine];
      const p = new Problems();
      checkImage(`${e.image}:${e.defaultVersion}`, "image", p);
      checkTag(e.defaultVersion, "version", p);
      checkQuantity(e.defaultStorage, "bytes", "storage", p);
      for (const k of ["cpu", "cpuLimit"] as const) checkQuantity(e.defaultResources[k], "cpu", k, p);
      for (const k of ["memory", "memoryLimit"] as const) checkQuantity(e.defaultResources[k], "bytes", k, p);
      assert.deepEqual(p.errors, []);
      assert.ok(parseQuantity(e.defaultResources.cpu)! <= parseQuantity(e.defaultResources.cpuLimit)!);
      assert.ok(parseQuantity(e.defaultResources.memory)! <= parseQuantity(e.defaultResources.memoryLimit)!);
      assert.ok(e.portName.length <= 15 && /^[a-z][a-z0-9-]*$/.test(e.portName), "IANA service name");
      assert.ok(e.port >= 1 && e.port <= 65535);
      assert.ok(e.dataPath.startsWith("/"));
      assert.ok(e.readinessCommand.length > 0);
    });

    it(`${engine}: the container's secret env reads keys the credentials Secret has, the password among them`, () => {
      const keys = credentialKeys(engine);
      const fromSecret = CATALOGUE[engine].env.filter((v) => "credential" in v);
      assert.ok(fromSecret.some((v) => "credential" in v && v.credential === "PASSWORD"));
      for (const v of fromSecret)
        if ("credential" in v) assert.ok(keys.includes(v.credential), `${v.name} → ${v.credential}`);
      assert.ok(!CATALOGUE[engine].env.some((v) => "value" in v && /pass/i.test(v.name)), "no literal password");
    });
  }
});

describe("labels", () => {
  const stack = validateStack(EXAMPLE_SPEC);
  const web = stack.apps.find((a) => a.name === "web")!;
  const db = stack.services.find((s) => s.name === "db")!;

  it("selectors are a subset of the full labels and never hold changeable values", () => {
    for (const [labels, selector] of [
      [appLabels(web), appSelector(web)],
      [serviceLabels(db), serviceSelector(db)],
    ] as const) {
      for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v);
      assert.equal(selector[LABEL_MANAGED_BY], "skipper");
      assert.equal(selector["app.kubernetes.io/version"], undefined);
      assert.equal(selector["skipper.dev/project"], undefined);
    }
    // A version bump keeps the selector.
    assert.deepEqual(serviceSelector({ ...db, version: "17" }), serviceSelector(db));
  });

  it("services are named after their engine, instances after the service", () => {
    assert.equal(serviceLabels(db)["app.kubernetes.io/name"], "postgres");
    assert.equal(serviceLabels(db)["app.kubernetes.io/instance"], "db");
    assert.equal(serviceLabels(db)["app.kubernetes.io/version"], "16");
    assert.equal(serviceLabels({ ...db, version: "x".repeat(70) })["app.kubernetes.io/version"], undefined);
  });

  it("label values are checked like Kubernetes does", () => {
    for (const v of ["", "a", "16", "7.4-alpine", "A_b.c"]) assert.ok(isLabelValue(v), v);
    for (const v of ["-a", "a-", "a b", "x".repeat(64)]) assert.ok(!isLabelValue(v), v);
  });
});
