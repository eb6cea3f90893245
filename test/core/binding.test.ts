import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { credentialKeys, ENGINES } from "../../core/catalogue.ts";
import type { App, Service, Stack } from "../../core/model.ts";
import { bindingEnv, servicePrefix } from "../../core/render/binding.ts";
import type { ServiceEngine, StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

type Rec = Record<string, any>;

function stackWith(services: Record<string, ServiceEngine>, bind: string[], env: Record<string, string> = {}): Stack {
  return validateStack({
    ...EXAMPLE_SPEC,
    services: Object.fromEntries(Object.entries(services).map(([n, engine]) => [n, { engine }])),
    apps: { api: { image: "ghcr.io/acme/api:1", port: 8080, bind, env } },
  } as StackSpec);
}

function envOf(stack: Stack): Map<string, { secret: string; key: string }> {
  const app = stack.apps.find((a) => a.name === "api")!;
  return new Map(
    bindingEnv(app, stack).map((e) => {
      const ref = (e as Rec)["valueFrom"]?.secretKeyRef;
      assert.ok(ref, `${e.name} must be a secretKeyRef`);
      return [e.name, { secret: ref.name, key: ref.key }];
    }),
  );
}

describe("bindingEnv", () => {
  it("postgres named db: DATABASE_URL and DB_HOST/PORT/USER/PASSWORD/NAME/URL", () => {
    const env = envOf(stackWith({ db: "postgres" }, ["db"]));
    assert.deepEqual(
      [...env.keys()],
      ["DATABASE_URL", "DB_HOST", "DB_NAME", "DB_PASSWORD", "DB_PORT", "DB_URL", "DB_USER"],
    );
    assert.deepEqual(env.get("DATABASE_URL"), { secret: "db-credentials", key: "URL" });
    assert.deepEqual(env.get("DB_USER"), { secret: "db-credentials", key: "USERNAME" });
    assert.deepEqual(env.get("DB_NAME"), { secret: "db-credentials", key: "DATABASE" });
  });

  it("redis gets REDIS_URL and REDIS_* plus its own prefix; mongodb MONGODB_URL and MONGO_*", () => {
    const env = envOf(stackWith({ cache: "redis", docs: "mongodb" }, ["cache", "docs"]));
    assert.deepEqual(env.get("REDIS_URL"), { secret: "cache-credentials", key: "URL" });
    assert.deepEqual(env.get("CACHE_PASSWORD"), { secret: "cache-credentials", key: "PASSWORD" });
    assert.equal(env.get("REDIS_USER"), undefined, "redis has no user");
    assert.deepEqual(env.get("MONGODB_URL"), { secret: "docs-credentials", key: "URL" });
    assert.deepEqual(env.get("MONGO_NAME"), { secret: "docs-credentials", key: "DATABASE" });
  });

  it("two services of one engine never collide: the first bound owns the well-known names", () => {
    const env = envOf(stackWith({ main: "postgres", "orders-db": "postgres" }, ["orders-db", "main"]));
    assert.deepEqual(env.get("DATABASE_URL"), { secret: "orders-db-credentials", key: "URL" });
    assert.deepEqual(env.get("ORDERS_DB_URL"), { secret: "orders-db-credentials", key: "URL" });
    assert.deepEqual(env.get("MAIN_URL"), { secret: "main-credentials", key: "URL" });
    assert.deepEqual(env.get("MAIN_HOST"), { secret: "main-credentials", key: "HOST" });
  });

  it("postgres and mysql share DATABASE_URL: only the first bound gets it", () => {
    const env = envOf(stackWith({ pg: "postgres", my: "mysql" }, ["my", "pg"]));
    assert.deepEqual(env.get("DATABASE_URL"), { secret: "my-credentials", key: "URL" });
    assert.deepEqual(env.get("PG_URL"), { secret: "pg-credentials", key: "URL" });
  });

  it("service-named variables win over well-known ones; the app's own env wins over both", () => {
    // The redis service is called `db`, the postgres one `pg`: DB_* belong to the redis service.
    const env = envOf(stackWith({ db: "redis", pg: "postgres" }, ["pg", "db"], { DB_PORT: "1" }));
    assert.deepEqual(env.get("DATABASE_URL"), { secret: "pg-credentials", key: "URL" });
    assert.deepEqual(env.get("DB_HOST"), { secret: "db-credentials", key: "HOST" });
    assert.equal(env.get("DB_PORT"), undefined, "the app's own DB_PORT is kept");
  });

  it("a service name starting with a digit gets a shell-safe prefix", () => {
    assert.equal(servicePrefix("9db"), "SERVICE_9DB_");
    assert.equal(servicePrefix("orders-db"), "ORDERS_DB_");
  });

  it("property: for any set of bound services, names are unique, shell-safe, and every ref names a real key", () => {
    const serviceArb = fc.uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/),
        engine: fc.constantFrom(...ENGINES),
      }),
      { minLength: 1, maxLength: 6, selector: (s) => s.name },
    );
    fc.assert(
      fc.property(serviceArb, (services) => {
        const svcs: Service[] = services.map((s) => ({
          ...validateStack({ ...EXAMPLE_SPEC, services: { [s.name]: { engine: s.engine } }, apps: {} } as StackSpec)
            .services[0]!,
        }));
        const stack = { ...validateStack({ ...EXAMPLE_SPEC, apps: {} }), services: svcs };
        const app: App = {
          ...validateStack(EXAMPLE_SPEC).apps[0]!,
          bind: svcs.map((s) => s.name),
          env: {},
          secretEnv: [],
        };
        const env = bindingEnv(app, stack);
        const names = env.map((e) => e.name);
        assert.equal(new Set(names).size, names.length);
        for (const e of env) {
          assert.match(e.name, /^[A-Za-z_][A-Za-z0-9_]*$/);
          const ref = (e as Rec)["valueFrom"].secretKeyRef;
          const owner = svcs.find((s) => `${s.name}-credentials` === ref.name)!;
          assert.ok(credentialKeys(owner.engine).includes(ref.key));
        }
        // Every bound service is reachable through its own prefix.
        for (const s of svcs)
          assert.ok(names.includes(`${servicePrefix(s.name)}URL`) || names.includes(`${servicePrefix(s.name)}HOST`));
      }),
      { numRuns: 200 },
    );
  });
});
