/**
 * The one validation path: every object of the stack (cluster, hosts, k3s, preflight, domain, apps, services, their
 * resources and health, console) refuses unknown keys with "did you mean", and a value of the wrong type anywhere is
 * a problem naming the field, the rule and what was given, never a crash. The cases are derived from the field
 * definitions (`core/stack-schema.ts`) walked alongside a stack that sets every field, so a field added later is
 * covered without a new test.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type SpecError, SpecErrors } from "../../core/errors.ts";
import type { StackSpec } from "../../core/spec.ts";
import { type FieldDef, STACK_DEF } from "../../core/stack-schema.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { closestName, editDistance } from "../../core/validate/suggest.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0eS9XJ0ZVe+2UHdFT2y5WPMOVRBaqX4TVrZyhy6Wc";

/** A valid stack that sets every field of every object at least once. */
const FULL: StackSpec = {
  cluster: {
    name: "acme",
    hosts: [
      {
        address: "203.0.113.10",
        user: "deploy",
        port: 2222,
        role: "server",
        hostKey: ED25519,
        tlsSans: ["api.example.com"],
        nodeName: "node-1",
      },
    ],
    k3s: {
      version: "v1.31.4+k3s1",
      installScriptUrl: "https://mirror.example.com/install.sh",
      artifactUrl: "https://mirror.example.com/k3s",
      extraServerArgs: ["--disable=servicelb"],
    },
    preflight: { minMemoryMiB: 1024, minDiskGiB: 5, ports: [80, 443, 6443] },
  },
  domain: { gateway: "skipper.run", acmeEmail: "ops@example.com", acmeStaging: true, trustedProxies: ["10.0.0.1"] },
  services: {
    db: {
      engine: "postgres",
      version: "16",
      storage: "10Gi",
      project: "main",
      resources: { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" },
      deleteDataOnDestroy: false,
    },
  },
  apps: {
    web: {
      image: "ghcr.io/acme/web:1.4.2",
      port: 3000,
      replicas: 2,
      project: "main",
      env: { NODE_ENV: "production" },
      secretEnv: ["SESSION_SECRET"],
      bind: ["db"],
      health: { path: "/healthz", port: 3000, initialDelaySeconds: 3 },
      resources: { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
      domains: ["shop.example.com"],
      public: true,
      command: ["node"],
      args: ["server.js"],
    },
  },
  console: { enabled: true, domain: "console.example.com" },
};

interface Site {
  /** Dotted path as validation names it. */
  readonly field: string;
  /** Keys to reach it in the spec. */
  readonly keys: readonly (string | number)[];
  readonly def: FieldDef;
}

/** Every field set in `value`, with its definition, found by walking both together. */
function sites(value: unknown, def: FieldDef, field = "", keys: (string | number)[] = []): Site[] {
  const here: Site[] = field === "" ? [] : [{ field, keys, def }];
  const join = (k: string): string => (field === "" ? k : `${field}.${k}`);
  if (def.kind === "object") {
    const obj = value as Record<string, unknown>;
    return [...here, ...Object.keys(obj).flatMap((k) => sites(obj[k], def.fields[k]!, join(k), [...keys, k]))];
  }
  if (def.kind === "map") {
    const obj = value as Record<string, unknown>;
    return [...here, ...Object.keys(obj).flatMap((k) => sites(obj[k], def.values, join(k), [...keys, k]))];
  }
  if (def.kind === "list") {
    return [
      ...here,
      ...(value as unknown[]).flatMap((item, i) => sites(item, def.items, `${field}[${i}]`, [...keys, i])),
    ];
  }
  return here;
}

/** A deep copy of `spec` with the value at `keys` replaced (or removed when `value` is undefined). */
function withValue(spec: unknown, keys: readonly (string | number)[], value: unknown): StackSpec {
  const copy = structuredClone(spec) as Record<string | number, unknown>;
  let at = copy;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    // An earlier change replaced a parent with something that is not an object: nothing to set.
    if (typeof next !== "object" || next === null) return copy as unknown as StackSpec;
    at = next as Record<string | number, unknown>;
  }
  const last = keys.at(-1)!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy as unknown as StackSpec;
}

function errorsOf(spec: unknown): SpecError[] {
  try {
    validateStack(spec as StackSpec);
  } catch (err) {
    assert.ok(err instanceof SpecErrors, `expected SpecErrors, got ${String(err)}`);
    return [...err.errors];
  }
  return [];
}

const FULL_SITES = sites(FULL, STACK_DEF);
const OBJECT_SITES = FULL_SITES.filter((s) => s.def.kind === "object");

describe("validateStack: one path for every field", () => {
  it("the full stack validates, and it sets every field the definitions know", () => {
    assert.deepEqual(errorsOf(FULL), []);
    const covered = new Set(FULL_SITES.map((s) => `${s.def.doc}`));
    const declared = (def: FieldDef): FieldDef[] =>
      def.kind === "object"
        ? Object.values(def.fields).flatMap((d) => [d, ...declared(d)])
        : def.kind === "map"
          ? [def.values, ...declared(def.values)]
          : def.kind === "list"
            ? [def.items, ...declared(def.items)]
            : [];
    const missing = declared(STACK_DEF).filter((d) => !covered.has(d.doc));
    assert.deepEqual(
      missing.map((d) => d.doc),
      [],
      "a field without a value in FULL is not tested below",
    );
  });

  it("every object refuses an unknown key, naming it and listing the known ones", () => {
    assert.deepEqual(
      OBJECT_SITES.map((s) => s.field),
      [
        "cluster",
        "cluster.hosts[0]",
        "cluster.k3s",
        "cluster.preflight",
        "domain",
        "services.db",
        "services.db.resources",
        "apps.web",
        "apps.web.health",
        "apps.web.resources",
        "console",
      ],
    );
    for (const site of [{ field: "stack", keys: [] as const }, ...OBJECT_SITES]) {
      const spec = withValue(FULL, [...site.keys, "bogusField"], 1);
      const errors = errorsOf(spec);
      assert.deepEqual(
        errors.map((e) => e.field),
        [`${site.field}.bogusField`],
        `unknown key under ${site.field}: ${errors.map((e) => e.message).join(" | ")}`,
      );
      assert.match(errors[0]!.rule, /^is not a known field; Known fields: /);
    }
  });

  it("a slip in a field name (case, a letter dropped or swapped) is refused with 'did you mean'", () => {
    let checked = 0;
    for (const site of FULL_SITES) {
      if (site.keys.length === 0 || typeof site.keys.at(-1) !== "string") continue;
      const parent =
        FULL_SITES.find((s) => s.keys.length === site.keys.length - 1 && s.field === parentOf(site))?.def ?? STACK_DEF;
      if (parent.kind !== "object") continue; // map keys are names the user chooses
      const name = String(site.keys.at(-1));
      const slips = [name.toLowerCase(), name.slice(0, -1), `${name.slice(1, 2)}${name.slice(0, 1)}${name.slice(2)}`];
      for (const slip of new Set(slips)) {
        if (slip === name || slip in parent.fields) continue;
        const value = site.keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], FULL);
        const spec = withValue(withValue(FULL, site.keys, undefined), [...site.keys.slice(0, -1), slip], value);
        const errors = errorsOf(spec).filter((e) => e.field.endsWith(`.${slip}`) || e.field === slip);
        assert.equal(errors.length, 1, `${site.field} written as ${slip}: ${errorsOf(spec).map((e) => e.message)}`);
        assert.match(errors[0]!.rule, new RegExp(`did you mean \`${name}\`\\?`), errors[0]!.message);
        checked++;
      }
    }
    assert.ok(checked > 100, `slips checked: ${checked}`);
  });

  it("a value of the wrong type anywhere names the field, the rule and what was given", () => {
    for (const site of FULL_SITES) {
      const wrong = site.def.kind === "string" ? 42 : "not-this";
      const errors = errorsOf(withValue(FULL, site.keys, wrong));
      const at = errors.filter((e) => e.field === site.field);
      assert.equal(at.length, 1, `${site.field} = ${JSON.stringify(wrong)}: ${errors.map((e) => e.message)}`);
      assert.match(at[0]!.rule, /^must be /, at[0]!.message);
      assert.ok(at[0]!.message.endsWith(`(got ${JSON.stringify(wrong)})`), at[0]!.message);
      // The same mistake is reported once, not again by the rules that would have read the value.
      assert.equal(errors.filter((e) => e.field.startsWith(site.field)).length, 1, errors.map((e) => e.message).join());
    }
  });

  it("a required field left out is named with what it is for", () => {
    const required = FULL_SITES.filter((s) => "required" in s.def && s.def.required);
    assert.ok(required.map((s) => s.field).includes("cluster.hosts[0].address"));
    for (const site of required) {
      const errors = errorsOf(withValue(FULL, site.keys, undefined));
      assert.deepEqual(
        errors.map((e) => e.field),
        [site.field],
        errors.map((e) => e.message).join(),
      );
      assert.match(errors[0]!.rule, /^is required: /);
    }
  });

  it("the issue's two cases: hostkey and a non-list preflight.ports", () => {
    const typo = errorsOf(
      withValue(EXAMPLE_SPEC, ["cluster", "hosts", 0], { address: "203.0.113.10", hostkey: ED25519 }),
    );
    assert.deepEqual(
      typo.map((e) => e.message),
      [
        "cluster.hosts[0].hostkey: is not a known field; did you mean `hostKey`? Known fields: address, hostKey, nodeName, port, role, tlsSans, user",
      ],
    );
    const ports = errorsOf(withValue(EXAMPLE_SPEC, ["cluster", "preflight"], { ports: "80,443" }));
    assert.deepEqual(
      ports.map((e) => e.message),
      ['cluster.preflight.ports: must be a list of whole numbers (got "80,443")'],
    );
  });

  it("property: any value at any field gives a Stack or SpecErrors, never another exception", () => {
    const seed = Number(process.env["FC_SEED"] ?? Date.now() % 2 ** 31);
    console.log(`fast-check seed ${seed}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...FULL_SITES), fc.anything({ maxDepth: 2 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (changes) => {
          let spec: unknown = FULL;
          for (const [site, value] of changes) spec = withValue(spec, site.keys, value);
          try {
            validateStack(spec as StackSpec);
          } catch (err) {
            assert.ok(err instanceof SpecErrors, `unexpected ${String(err)}`);
            for (const e of err.errors) assert.ok(e.field.length > 0 && e.rule.length > 0);
          }
        },
      ),
      { numRuns: 400, seed },
    );
  });
});

function parentOf(site: Site): string {
  return site.field.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
}

describe("closestName", () => {
  it("finds the meant field for a slip and nothing for a different word", () => {
    const host = ["address", "hostKey", "nodeName", "port", "role", "tlsSans", "user"];
    assert.equal(closestName("hostkey", host), "hostKey");
    assert.equal(closestName("adress", host), "address");
    assert.equal(closestName("tlsSan", host), "tlsSans");
    assert.equal(closestName("nodeNmae", host), "nodeName");
    assert.equal(closestName("prot", host), "port");
    assert.equal(closestName("password", host), undefined);
    assert.equal(closestName("ip", host), undefined);
  });

  it("editDistance counts a swap of neighbours as one edit", () => {
    assert.equal(editDistance("port", "prot"), 1);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });
});

describe("console", () => {
  const withConsole = (console: object, apps: object = EXAMPLE_SPEC.apps ?? {}): StackSpec =>
    ({ ...EXAMPLE_SPEC, console, apps }) as StackSpec;

  it("takes a custom domain, normalised, and counts it for the ACME default", () => {
    const s = validateStack({
      ...withConsole({ enabled: true, domain: "Console.Example.ORG." }),
      domain: { gateway: "skipper.run" },
      apps: { worker: { image: "busybox:1" } },
    });
    assert.equal(s.console.domain, "console.example.org");
    assert.equal(s.domain.acmeEmail, "admin@example.org");
  });

  it("refuses a domain when the console is off, one an app serves, and one under the gateway", () => {
    assert.deepEqual(
      errorsOf(withConsole({ domain: "console.example.com" })).map((e) => e.field),
      ["console.domain"],
    );
    const taken = errorsOf(withConsole({ enabled: true, domain: "shop.example.com" }));
    assert.deepEqual(
      taken.map((e) => e.message),
      [
        'apps.web.domains[0]: is already served by the console (console.domain); a domain routes to one app (got "shop.example.com")',
      ],
    );
    assert.match(
      errorsOf(withConsole({ enabled: true, domain: "c.skipper.run" }))[0]!.message,
      /^console\.domain: must not be under the gateway domain skipper\.run/,
    );
  });

  it("refuses an app named console while the console is enabled, with or without a gateway", () => {
    const app = { console: { image: "nginx:1.27", port: 80 } };
    for (const domain of [{ gateway: "skipper.run" }, {}]) {
      const errors = errorsOf({ ...withConsole({ enabled: true }, app), domain });
      assert.deepEqual(
        errors.map((e) => e.field),
        ["apps.console"],
      );
    }
    assert.doesNotThrow(() => validateStack(withConsole({ enabled: false }, app)));
  });
});
