import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type SpecError, SpecErrors } from "../../core/errors.ts";
import type { StackSpec } from "../../core/spec.ts";
import { assertUniqueNames, validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

/** Validate `spec` and return its errors (fails the test when it validates). */
function errorsOf(spec: unknown): SpecError[] {
  try {
    validateStack(spec as StackSpec);
  } catch (err) {
    assert.ok(err instanceof SpecErrors, `expected SpecErrors, got ${String(err)}`);
    return [...err.errors];
  }
  assert.fail("the stack validated but should not have");
}

/** The one error for `field`; its rule must match `rule`. */
function expectError(spec: unknown, field: string, rule: RegExp): SpecError {
  const errors = errorsOf(spec);
  const hit = errors.filter((e) => e.field === field);
  assert.equal(hit.length, 1, `expected one error at ${field}, got: ${errors.map((e) => e.message).join(" | ")}`);
  assert.match(hit[0]!.rule, rule);
  assert.ok(hit[0]!.message.startsWith(`${field}: `), hit[0]!.message);
  return hit[0]!;
}

const withApp = (name: string, app: object): StackSpec =>
  ({ ...EXAMPLE_SPEC, apps: { ...EXAMPLE_SPEC.apps, [name]: app } }) as StackSpec;
const withService = (name: string, svc: object): StackSpec =>
  ({ ...EXAMPLE_SPEC, services: { ...EXAMPLE_SPEC.services, [name]: svc } }) as StackSpec;
const web = EXAMPLE_SPEC.apps!["web"]!;

describe("validateStack: the example stack", () => {
  const stack = validateStack(EXAMPLE_SPEC);

  it("fills defaults: project main, namespace = project, replicas, engine defaults", () => {
    assert.deepEqual(stack.projects, ["main"]);
    const worker = stack.apps.find((a) => a.name === "worker")!;
    assert.equal(worker.project, "main");
    assert.equal(worker.namespace, "main");
    assert.equal(worker.replicas, 1);
    assert.equal(worker.gatewayHost, undefined, "an app without a port has no route");
    const cache = stack.services.find((s) => s.name === "cache")!;
    assert.equal(cache.engine, "redis");
    assert.equal(cache.image, "docker.io/library/redis:7.4");
    assert.equal(cache.port, 6379);
    assert.equal(cache.storage, "1Gi");
    assert.equal(cache.deleteDataOnDestroy, false);
  });

  it("sorts apps and services by name", () => {
    assert.deepEqual(
      stack.apps.map((a) => a.name),
      ["web", "worker"],
    );
    assert.deepEqual(
      stack.services.map((s) => s.name),
      ["cache", "db"],
    );
  });

  it("derives the gateway host and the console host from the cluster id", () => {
    const w = stack.apps.find((a) => a.name === "web")!;
    assert.equal(w.gatewayHost, "web-203-0-113-10.skipper.run");
    assert.deepEqual(w.domains, ["shop.example.com"]);
    assert.deepEqual(stack.console, { enabled: true, host: "console-203-0-113-10.skipper.run" });
  });

  it("keeps bind order and health defaults", () => {
    const w = stack.apps.find((a) => a.name === "web")!;
    assert.deepEqual(w.bind, ["db", "cache"]);
    assert.deepEqual(w.health, { path: "/healthz", port: 3000, initialDelaySeconds: 5 });
  });

  it("defaults the ACME email to admin@<registrable domain of the first custom domain>, by the public suffix list", () => {
    const s = validateStack({ ...EXAMPLE_SPEC, domain: { gateway: "skipper.run" } });
    assert.equal(s.domain.acmeEmail, "admin@example.com");
    const emailFor = (domain: string): string | undefined =>
      validateStack({ ...withApp("web", { ...web, domains: [domain] }), domain: { gateway: "skipper.run" } }).domain
        .acmeEmail;
    // Not the last two labels: co.uk and com.au are public suffixes.
    assert.equal(emailFor("shop.example.co.uk"), "admin@example.co.uk");
    assert.equal(emailFor("example.co.uk"), "admin@example.co.uk");
    assert.equal(emailFor("a.b.shop.example.com.au"), "admin@example.com.au");
    assert.equal(validateStack({ ...EXAMPLE_SPEC, apps: {} }).domain.acmeEmail, "ops@example.com", "given: kept");
  });

  it("requires domain.acmeEmail when the first custom domain is under a shared or unknown suffix", () => {
    for (const [domain, why] of [
      ["foo.github.io", /is under github\.io, a suffix shared by many owners/],
      ["shop.foo.herokuapp.com", /is under herokuapp\.com/],
      ["shop.internal", /under no public suffix/],
    ] as const) {
      const spec = { ...withApp("web", { ...web, domains: [domain] }), domain: { gateway: "skipper.run" } };
      const e = expectError(spec, "domain.acmeEmail", /^is required: apps\.web\.domains\[0\]/);
      assert.match(e.rule, why);
      assert.ok(e.rule.includes(`(${domain})`), e.rule);
      const given = validateStack({ ...spec, domain: { gateway: "skipper.run", acmeEmail: "me@example.org" } });
      assert.equal(given.domain.acmeEmail, "me@example.org");
    }
  });

  it("uses a named cluster's double-dash scheme", () => {
    const s = validateStack({ ...EXAMPLE_SPEC, cluster: { ...EXAMPLE_SPEC.cluster, name: "acme" } });
    assert.equal(s.apps.find((a) => a.name === "web")!.gatewayHost, "web--acme.skipper.run");
  });

  it("gives no gateway host without a gateway, or to a non-public app", () => {
    const noGateway = validateStack({ ...EXAMPLE_SPEC, domain: {} });
    assert.equal(noGateway.apps.find((a) => a.name === "web")!.gatewayHost, undefined);
    assert.equal(noGateway.console.host, undefined);
    const hidden = validateStack(withApp("web", { ...web, public: false }));
    assert.equal(hidden.apps.find((a) => a.name === "web")!.gatewayHost, undefined);
  });
});

describe("validateStack: bad input names the field and the rule (issue 2)", () => {
  it("an invalid app name", () => {
    expectError(withApp("Web_App", { image: "nginx:1.27" }), "apps.Web_App", /DNS-1123 label/);
  });

  it("a port out of range", () => {
    expectError(withApp("web", { ...web, port: 70000 }), "apps.web.port", /between 1 and 65535/);
    expectError(withApp("web", { ...web, port: 0 }), "apps.web.port", /between 1 and 65535/);
    expectError(withApp("web", { ...web, port: 80.5 }), "apps.web.port", /whole number/);
  });

  it("two apps with one name (kip builds the record from a list)", () => {
    assert.throws(
      () => assertUniqueNames(["web", "worker", "web"], "apps"),
      (err: unknown) =>
        err instanceof SpecErrors &&
        err.errors.length === 1 &&
        err.errors[0]!.field === "apps.web" &&
        /declared 2 times \(positions 0, 2\)/.test(err.errors[0]!.rule),
    );
    assert.doesNotThrow(() => assertUniqueNames(["web", "worker"], "apps"));
  });

  it("a binding to a missing service lists the known ones", () => {
    const e = expectError(withApp("web", { ...web, bind: ["db", "queue"] }), "apps.web.bind[1]", /names no service/);
    assert.match(e.rule, /cache, db/);
  });

  it("a binding to a service of another project", () => {
    const spec = withService("analytics", { engine: "postgres", project: "data" });
    const e = expectError(
      { ...spec, apps: { web: { ...web, bind: ["analytics"] } } },
      "apps.web.bind[0]",
      /service 'analytics' of project data/,
    );
    assert.match(e.rule, /own project \(main\): cache, db/);
  });

  it("an unknown engine lists the allowed ones", () => {
    expectError(withService("db", { engine: "oracle" }), "services.db.engine", /mongodb, mysql, postgres, redis/);
  });

  it("a malformed k3s version (from the cluster validator)", () => {
    expectError(
      { ...EXAMPLE_SPEC, cluster: { ...EXAMPLE_SPEC.cluster, k3s: { version: "1.31" } } },
      "cluster.k3s.version",
      /k3s release/,
    );
  });
});

describe("validateStack: every other rule", () => {
  const cases: [string, StackSpec, string, RegExp][] = [
    ["replicas above 100", withApp("web", { ...web, replicas: 101 }), "apps.web.replicas", /between 0 and 100/],
    ["negative replicas", withApp("web", { ...web, replicas: -1 }), "apps.web.replicas", /between 0 and 100/],
    ["empty image", withApp("web", { ...web, image: "" }), "apps.web.image", /non-empty/],
    ["image with a space", withApp("web", { ...web, image: "nginx :1" }), "apps.web.image", /whitespace/],
    ["upper-case repository", withApp("web", { ...web, image: "Acme/Web:1" }), "apps.web.image", /lower-case/],
    [
      "bad env name",
      withApp("web", { ...web, env: { "1BAD": "x" } }),
      "apps.web.env.1BAD",
      /environment variable name/,
    ],
    ["non-string env value", withApp("web", { ...web, env: { N: 3 } }), "apps.web.env.N", /must be a string/],
    [
      "bad secretEnv name",
      withApp("web", { ...web, secretEnv: ["OK", "no-dash"] }),
      "apps.web.secretEnv[1]",
      /environment variable/,
    ],
    [
      "secretEnv also in env",
      withApp("web", { ...web, secretEnv: ["NODE_ENV"] }),
      "apps.web.secretEnv[0]",
      /either plain/,
    ],
    ["repeated secretEnv", withApp("web", { ...web, secretEnv: ["A", "A"] }), "apps.web.secretEnv[1]", /repeats 'A'/],
    ["repeated binding", withApp("web", { ...web, bind: ["db", "db"] }), "apps.web.bind[1]", /repeats 'db'/],
    [
      "health path without '/'",
      withApp("web", { ...web, health: { path: "healthz" } }),
      "apps.web.health.path",
      /starting with '\/'/,
    ],
    [
      "health on an app without port",
      withApp("job", { image: "busybox:1", health: { path: "/h" } }),
      "apps.job.health.port",
      /needed/,
    ],
    ["bad cpu", withApp("web", { ...web, resources: { cpu: "two" } }), "apps.web.resources.cpu", /quantity/],
    [
      "memory without unit",
      withApp("web", { ...web, resources: { memory: "512" } }),
      "apps.web.resources.memory",
      /missing a unit/,
    ],
    [
      "memory in MB",
      withApp("web", { ...web, resources: { memory: "512MB" } }),
      "apps.web.resources.memory",
      /did you mean '512Mi'/,
    ],
    [
      "limit below request",
      withApp("web", { ...web, resources: { cpu: "2", cpuLimit: "1" } }),
      "apps.web.resources.cpuLimit",
      /at least the request/,
    ],
    ["bad storage", withService("db", { engine: "postgres", storage: "10 GB" }), "services.db.storage", /quantity/],
    [
      "bad version tag",
      withService("db", { engine: "postgres", version: "16 beta" }),
      "services.db.version",
      /image tag/,
    ],
    [
      "service name too long for a StatefulSet",
      withService("s".repeat(53), { engine: "redis" }),
      `services.${"s".repeat(53)}`,
      /at most 52/,
    ],
    ["invalid service name", withService("my_db", { engine: "redis" }), "services.my_db", /DNS-1123/],
    [
      "custom domain under the gateway",
      withApp("web", { ...web, domains: ["shop.skipper.run"] }),
      "apps.web.domains[0]",
      /gateway domain/,
    ],
    [
      "custom domain not a DNS name",
      withApp("web", { ...web, domains: ["shop_example.com"] }),
      "apps.web.domains[0]",
      /fully qualified/,
    ],
    [
      "wildcard custom domain",
      withApp("web", { ...web, domains: ["*.example.com"] }),
      "apps.web.domains[0]",
      /wildcard/,
    ],
    [
      "domain on an app without port",
      withApp("job", { image: "busybox:1", domains: ["a.example.com"] }),
      "apps.job.domains",
      /needs the app's port/,
    ],
    [
      "bad gateway domain",
      { ...EXAMPLE_SPEC, domain: { gateway: "not a domain" } },
      "domain.gateway",
      /fully qualified/,
    ],
    [
      "bad ACME email",
      { ...EXAMPLE_SPEC, domain: { gateway: "skipper.run", acmeEmail: "nope" } },
      "domain.acmeEmail",
      /email/,
    ],
    [
      "reserved project",
      withApp("web", { ...web, project: "kube-system" }),
      "apps.web.project",
      /namespace that Kubernetes/,
    ],
    [
      "the console's namespace as a project",
      withApp("web", { ...web, project: "skipper-console" }),
      "apps.web.project",
      /namespace that Kubernetes or Skipper/,
    ],
    [
      "the gateway registration's namespace as a project",
      withApp("web", { ...web, project: "skipper-registration" }),
      "apps.web.project",
      /namespace that Kubernetes or Skipper/,
    ],
    ["invalid project", withApp("web", { ...web, project: "My Project" }), "apps.web.project", /DNS-1123/],
    ["typo in a field", withApp("web", { ...web, replica: 2 }), "apps.web.replica", /not a known field/],
    ["typo at the top", { ...EXAMPLE_SPEC, app: {} } as StackSpec, "stack.app", /not a known field/],
    [
      "app named console with the console on",
      withApp("console", { image: "nginx:1", port: 80 }),
      "apps.console",
      /console's name/,
    ],
  ];
  for (const [title, spec, field, rule] of cases) {
    it(title, () => {
      expectError(spec, field, rule);
    });
  }

  it("an app and a service of one project may not share a name (Service name collision)", () => {
    expectError(withApp("db", { image: "nginx:1.27", port: 80 }), "apps.db", /Service name collision/);
  });

  it("but they may in different projects", () => {
    const s = validateStack(withApp("db", { image: "nginx:1.27", port: 80, project: "tools", public: false }));
    assert.deepEqual(s.projects, ["main", "tools"]);
  });

  it("the gateway host length error names the app field", () => {
    const long = "a".repeat(55);
    const e = expectError(
      withApp(long, { image: "nginx:1", port: 80 }),
      `apps.${long}`,
      /too long for the subdomain scheme/,
    );
    assert.match(e.rule, /public: false/);
  });

  it("a domain claimed by two apps", () => {
    expectError(
      withApp("shop", { image: "nginx:1", port: 80, domains: ["shop.example.com"] }),
      "apps.web.domains[0]",
      /already served by app 'shop'/,
    );
  });

  it("derived object names may not collide (app `web-domains` vs app web's HTTPS Ingress)", () => {
    expectError(
      withApp("web-domains", { image: "nginx:1", port: 80 }),
      "apps.web-domains",
      /renders Ingress\/web-domains/,
    );
  });

  it("reports every problem at once, not only the first", () => {
    const errors = errorsOf({
      ...EXAMPLE_SPEC,
      services: { db: { engine: "oracle" } },
      apps: { Bad: { image: "" }, web: { ...web, port: 0, bind: ["nope"] } },
    });
    const fields = errors.map((e) => e.field).sort();
    for (const f of ["apps.Bad", "apps.Bad.image", "apps.web.bind[0]", "apps.web.port", "services.db.engine"]) {
      assert.ok(fields.includes(f), `missing ${f} in ${fields.join(", ")}`);
    }
    // `bind: ["db"]` in the example still resolves: db is declared, only invalid.
    assert.ok(!fields.includes("apps.worker.bind[0]"));
  });

  it("a user's own limit with no request lowers the default request to fit", () => {
    const s = validateStack(withApp("web", { ...web, resources: { cpuLimit: "50m" } }));
    const r = s.apps.find((a) => a.name === "web")!.resources;
    assert.deepEqual(r, { cpu: "50m", memory: "256Mi", cpuLimit: "50m", memoryLimit: "512Mi" });
  });

  it("a request the user sets is also the default limit", () => {
    const s = validateStack(withApp("web", { ...web, resources: { cpu: "250m", memory: "1Gi" } }));
    const r = s.apps.find((a) => a.name === "web")!.resources;
    assert.deepEqual(r, { cpu: "250m", memory: "1Gi", cpuLimit: "250m", memoryLimit: "1Gi" });
  });

  it("domain.trustedProxies takes addresses and CIDRs, sorted, and names a bad entry", () => {
    const spec = (trustedProxies: unknown): StackSpec =>
      ({ ...EXAMPLE_SPEC, domain: { ...EXAMPLE_SPEC.domain, trustedProxies } }) as StackSpec;
    assert.deepEqual(validateStack(spec(["198.51.100.7", "2001:db8::/32", "10.0.0.0/8"])).domain.trustedProxies, [
      "10.0.0.0/8",
      "198.51.100.7",
      "2001:db8::/32",
    ]);
    assert.deepEqual(validateStack(EXAMPLE_SPEC).domain.trustedProxies, []);
    expectError(spec(["198.51.100.7", "198.51.100.0/33"]), "domain.trustedProxies[1]", /IP address or a CIDR/);
    expectError(spec(["gateway.example.com"]), "domain.trustedProxies[0]", /IP address or a CIDR/);
    expectError(spec(["10.0.0.1", "10.0.0.1"]), "domain.trustedProxies[1]", /repeats/);
    expectError(spec("10.0.0.1"), "domain.trustedProxies", /list of strings/);
  });

  it("normalises custom domains to lower case without a trailing dot", () => {
    const s = validateStack(withApp("web", { ...web, domains: ["Shop.Example.COM."] }));
    assert.deepEqual(s.apps.find((a) => a.name === "web")!.domains, ["shop.example.com"]);
  });
});

describe("validateStack: robustness", () => {
  it("property: any input gives a Stack or SpecErrors naming a field, never another exception", () => {
    const anyValue = fc.anything({ maxDepth: 3 });
    const appLike = fc.oneof(
      anyValue,
      fc.record(
        {
          image: fc.oneof(fc.constant("nginx:1.27"), anyValue),
          port: fc.oneof(fc.integer({ min: -5, max: 70_000 }), anyValue),
          replicas: anyValue,
          env: fc.oneof(fc.dictionary(fc.string(), fc.string()), anyValue),
          secretEnv: anyValue,
          bind: fc.oneof(fc.array(fc.constantFrom("db", "cache", "nope")), anyValue),
          health: anyValue,
          resources: fc.oneof(fc.record({ cpu: fc.string(), memory: fc.string() }), anyValue),
          domains: fc.oneof(fc.array(fc.domain()), anyValue),
          public: anyValue,
          project: anyValue,
        },
        { requiredKeys: [] },
      ),
    );
    const serviceLike = fc.oneof(
      anyValue,
      fc.record(
        { engine: fc.oneof(fc.constantFrom("postgres", "redis"), anyValue), version: anyValue, storage: anyValue },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 12 }), appLike, { maxKeys: 4 }),
        fc.dictionary(fc.string({ maxLength: 12 }), serviceLike, { maxKeys: 3 }),
        anyValue,
        (apps, services, domain) => {
          try {
            validateStack({ ...EXAMPLE_SPEC, apps, services, domain } as unknown as StackSpec);
          } catch (err) {
            assert.ok(err instanceof SpecErrors, `unexpected ${String(err)}`);
            assert.ok(err.errors.length > 0);
            for (const e of err.errors) assert.ok(e.field.length > 0 && e.rule.length > 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
