/**
 * Pulumi.yaml's `config` block against the program it runs and the README that sets it up. The Pulumi CLI treats a
 * declared key without a `default` as required: `pulumi up` stops with "Stack 'prod' is missing configuration value
 * '<key>'" before the program runs (pulumi/pulumi `sdk/go/common/workspace/project_test.go`,
 * TestStackConfigErrorsWhenMissingStackValueForConfigTypeWithNoDefault). So every declared key must be one of:
 * - required by the program too (stacks/skipper.ts fails without it, naming it), and set by the README's
 *   `pulumi config set` lines; or
 * - given a `default` that is what the program does without the key (same resources either way), of the declared
 *   type, never on a secret (a default would sit in the repository in plain text).
 * The rest of the CLI's rules for a project config type are checked as well (`items` on arrays, not both `default`
 * and `value`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { evaluateStackFile, type RecordedResource, TEST_SSH_KEY } from "../support/pulumi-mocks.ts";

interface ConfigType {
  readonly type?: string;
  readonly items?: { readonly type: string };
  readonly default?: unknown;
  readonly value?: unknown;
  readonly secret?: boolean;
  readonly description?: string;
}

const project = parse(readFileSync("Pulumi.yaml", "utf8")) as { name: string; main: string; config: object };
const declared = project.config as Readonly<Record<string, ConfigType>>;
const keys = Object.keys(declared).sort();
const required = keys.filter((k) => !("default" in declared[k]!));
const readme = readFileSync("README.md", "utf8");

/** Keys the README's `pulumi config set` lines set (`skipper:domains[0]` sets `domains`). */
function readmeSets(): Set<string> {
  const out = new Set<string>();
  for (const m of readme.matchAll(/^pulumi config set (?:--\w+ )*'?(\w+):(\w+)/gm)) {
    if (m[1] === project.name) out.add(m[2]!);
  }
  return out;
}

/** Config as the Pulumi CLI hands it to the program: each value a string, arrays and objects as JSON. */
function asConfig(values: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [`${project.name}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** What a run declares, comparable across runs. */
function fingerprint(resources: readonly RecordedResource[]): string {
  return JSON.stringify(resources.map((r) => [r.urn, r.inputs, r.options, r.dependsOn, r.provider]));
}

const REQUIRED_VALUES: Readonly<Record<string, string>> = { sshPrivateKey: TEST_SSH_KEY };

describe("Pulumi.yaml config", () => {
  it("follows the Pulumi CLI's rules for project config types", () => {
    assert.ok(keys.length > 0);
    for (const key of keys) {
      const t = declared[key]!;
      assert.ok(["string", "integer", "boolean", "array"].includes(t.type ?? ""), `${key}: type ${t.type}`);
      if (t.type === "array") assert.ok(t.items?.type, `${key}: an array needs items`);
      assert.ok(!("default" in t && "value" in t), `${key}: not both default and value`);
      assert.ok(t.description, `${key}: a description`);
      if ("default" in t) {
        assert.ok(!t.secret, `${key}: a secret has no default (it would be plain text in the repository)`);
        const d = t.default;
        const ok =
          t.type === "array"
            ? Array.isArray(d) && d.every((x) => typeof x === t.items?.type)
            : t.type === "integer"
              ? Number.isInteger(d)
              : typeof d === t.type;
        assert.ok(ok, `${key}: default ${JSON.stringify(d)} is not of type ${t.type}`);
      }
    }
  });

  it("every key without a default is required by the program, which names it when it is missing", async () => {
    assert.deepEqual(required, ["sshPrivateKey"]);
    const defaults = Object.fromEntries(
      keys.filter((k) => !required.includes(k)).map((k) => [k, declared[k]!.default]),
    );
    for (const key of required) {
      const others = Object.fromEntries(Object.entries(REQUIRED_VALUES).filter(([k]) => k !== key));
      await assert.rejects(
        evaluateStackFile(project.main, { config: asConfig({ ...defaults, ...others }) }),
        (err: unknown) => err instanceof Error && err.message.includes(`${project.name}:${key}`),
        `the program must fail without ${key}`,
      );
    }
  });

  it("every default is what the program does without the key", async () => {
    const base = asConfig(REQUIRED_VALUES);
    const without = fingerprint((await evaluateStackFile(project.main, { config: base })).resources);
    for (const key of keys.filter((k) => !required.includes(k))) {
      const withDefault = await evaluateStackFile(project.main, {
        config: { ...base, ...asConfig({ [key]: declared[key]!.default }) },
      });
      assert.equal(
        fingerprint(withDefault.resources),
        without,
        `${key}: default ${JSON.stringify(declared[key]!.default)}`,
      );
    }
    // The comparison can tell: a value other than the default changes what is declared.
    const changed = await evaluateStackFile(project.main, { config: { ...base, ...asConfig({ sshUser: "deploy" }) } });
    assert.notEqual(fingerprint(changed.resources), without);
  });

  it("the README's first deployment sets every required key, and only declared keys", () => {
    const sets = readmeSets();
    for (const key of required) assert.ok(sets.has(key), `README must \`pulumi config set\` ${key}`);
    for (const key of sets) assert.ok(key in declared, `README sets ${key}, which Pulumi.yaml does not declare`);
    assert.ok(sets.size >= 3, [...sets].join(", "));
  });
});
