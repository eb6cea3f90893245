/**
 * `stackJsonSchema()`: a draft 2020-12 schema that a standard validator (Ajv, strict mode) compiles, that accepts the
 * stacks `validateStack` accepts, and that refuses nothing the validator would let through: every stack the schema
 * refuses, the validator refuses too.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { SpecErrors } from "../../core/errors.ts";
import type { StackSpec } from "../../core/spec.ts";
import { APP_DEF, knownFields, stackJsonSchema } from "../../core/stack-schema.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

const schema = stackJsonSchema();
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function validatorRefuses(spec: unknown): boolean {
  try {
    validateStack(spec as StackSpec);
    return false;
  } catch (err) {
    assert.ok(err instanceof SpecErrors, String(err));
    return true;
  }
}

describe("stackJsonSchema", () => {
  it("is a closed draft 2020-12 schema of the plain stack (hosts as data, no provider)", () => {
    assert.equal(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    const props = schema["properties"] as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(props).sort(), ["apps", "cluster", "console", "domain", "services"]);
    assert.deepEqual(schema["required"], ["cluster"]);
    const cluster = props["cluster"]!;
    assert.deepEqual(cluster["required"], ["hosts", "k3s"]);
    assert.ok(!("provider" in (cluster["properties"] as object)));
    const app = (props["apps"]!["additionalProperties"] as Record<string, unknown>)["properties"] as object;
    assert.deepEqual(Object.keys(app).sort(), knownFields(APP_DEF));
  });

  it("accepts the example stack and refuses a mistyped host key field", () => {
    assert.equal(validate(EXAMPLE_SPEC), true, JSON.stringify(validate.errors));
    const typo = structuredClone(EXAMPLE_SPEC) as unknown as { cluster: { hosts: Record<string, unknown>[] } };
    typo.cluster.hosts[0]!["hostkey"] = "ssh-ed25519 AAAA";
    assert.equal(validate(typo), false);
    assert.equal(validate.errors?.[0]?.keyword, "additionalProperties");
  });

  it("property: a stack the schema refuses is refused by validateStack too", () => {
    const seed = Number(process.env["FC_SEED"] ?? Date.now() % 2 ** 31);
    console.log(`fast-check seed ${seed}`);
    const anyValue = fc.anything({ maxDepth: 2 });
    const host = fc.record(
      {
        address: fc.oneof(fc.constant("203.0.113.10"), anyValue),
        port: fc.oneof(fc.integer({ min: -1, max: 70_000 }), anyValue),
        role: fc.oneof(fc.constantFrom("server", "agent", "master"), anyValue),
        hostkey: anyValue,
      },
      { requiredKeys: [] },
    );
    const app = fc.record(
      {
        image: fc.oneof(fc.constant("nginx:1.27"), anyValue),
        port: fc.oneof(fc.integer({ min: 0, max: 70_000 }), anyValue),
        replicas: fc.oneof(fc.integer({ min: -1, max: 101 }), anyValue),
        env: fc.oneof(fc.dictionary(fc.constantFrom("A", "B", "1x"), fc.oneof(fc.string(), anyValue)), anyValue),
        public: anyValue,
        replica: anyValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(host, { maxLength: 2 }),
        fc.dictionary(fc.constantFrom("web", "api"), app, { maxKeys: 2 }),
        fc.record({ enabled: anyValue, domain: anyValue }, { requiredKeys: [] }),
        (hosts, apps, console) => {
          const spec = {
            ...EXAMPLE_SPEC,
            cluster: { ...EXAMPLE_SPEC.cluster, hosts },
            apps,
            services: {},
            console,
          };
          // JSON round trip: the schema speaks of JSON data (no undefined, no -0 or NaN).
          let json: unknown;
          try {
            json = JSON.parse(JSON.stringify(spec));
          } catch {
            return;
          }
          if (!validate(json)) assert.ok(validatorRefuses(json), JSON.stringify(validate.errors));
        },
      ),
      { numRuns: 300, seed },
    );
  });
});
