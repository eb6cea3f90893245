/**
 * The YAML writer of `kip synth`: whatever JSON data goes in comes back unchanged through a YAML reader, and the
 * strings a YAML 1.1 reader (Kubernetes' own) would take for booleans, nulls or numbers are quoted.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import { toYaml } from "../../core/yaml.ts";

/** JSON data as JSON would carry it (no -0, no undefined). */
const jsonData = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe("toYaml", () => {
  it("round-trips any JSON value through a YAML 1.2 reader", () => {
    fc.assert(
      fc.property(jsonData, (v) => {
        assert.deepEqual(parse(toYaml(v)), v);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips multi-line strings, including ones that need quoting", () => {
    const lines = fc.array(fc.string({ unit: fc.constantFrom("a", " ", "\t", "#", ":", "-", "é", "\r", "'", '"') }), {
      minLength: 2,
      maxLength: 5,
    });
    fc.assert(
      fc.property(lines, fc.boolean(), (ls, trailing) => {
        const s = ls.join("\n") + (trailing ? "\n" : "");
        assert.deepEqual(parse(toYaml({ data: { script: s }, list: [s] })), { data: { script: s }, list: [s] });
      }),
      { numRuns: 2000 },
    );
  });

  it("quotes words and numbers YAML 1.1 would not read as strings", () => {
    for (const word of [
      "yes",
      "No",
      "on",
      "OFF",
      "y",
      "n",
      "true",
      "null",
      "~",
      "1",
      "1.0",
      "0x1F",
      ".inf",
      "1e3",
      "",
    ]) {
      assert.equal(toYaml({ v: word }), `v: ${JSON.stringify(word)}\n`, word);
    }
  });

  it("writes Kubernetes objects in plain block style", () => {
    const obj = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { "app.kubernetes.io/name": "web" } },
      spec: {
        replicas: 2,
        template: { spec: { containers: [{ name: "web", image: "ghcr.io/acme/web:1.4.2", args: [] }] } },
      },
    };
    assert.equal(
      toYaml(obj),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.4.2
          args: []
`,
    );
  });
});
