/**
 * A whole stack rendered by the core renderers passes the Kubernetes schema and cross-object checks: the example of
 * issue 2, several projects, and random valid stacks (property test).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ENGINES } from "../../core/catalogue.ts";
import type { AppSpec, ServiceSpec, StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import { PLACEHOLDER, renderAll } from "../support/render-all.ts";

describe("rendering a whole stack", () => {
  it("the example stack (web bound to postgres and redis, worker, custom domain, gateway) has zero problems", () => {
    const objects = renderAll(validateStack(EXAMPLE_SPEC));
    assert.deepEqual(validateObjects(objects), []);
    const kinds = objects.map((o) => o.kind);
    for (const k of [
      "Namespace",
      "Deployment",
      "StatefulSet",
      "Service",
      "Ingress",
      "Secret",
      "Middleware",
      "HelmChart",
      "HelmChartConfig",
      "ClusterIssuer",
    ]) {
      assert.ok(kinds.includes(k), `no ${k} rendered`);
    }
  });

  it("secret values appear only in Secrets", () => {
    const objects = renderAll(validateStack(EXAMPLE_SPEC));
    for (const o of objects) {
      if (o.kind !== "Secret")
        assert.ok(!JSON.stringify(o).includes(PLACEHOLDER), `${o.kind} ${o.metadata.name} holds a secret`);
    }
  });

  it("is byte-identical when rendered twice", () => {
    const a = JSON.stringify(renderAll(validateStack(EXAMPLE_SPEC)));
    const b = JSON.stringify(renderAll(validateStack(structuredClone(EXAMPLE_SPEC) as StackSpec)));
    assert.equal(a, b);
  });

  it("apps and services in several projects land in their own namespaces", () => {
    const spec: StackSpec = {
      ...EXAMPLE_SPEC,
      services: { ...EXAMPLE_SPEC.services, events: { engine: "mongodb", project: "analytics" } },
      apps: {
        ...EXAMPLE_SPEC.apps,
        ingest: {
          image: "ghcr.io/acme/ingest:2",
          port: 8080,
          project: "analytics",
          bind: ["events"],
          domains: ["in.example.org"],
        },
      },
    };
    const stack = validateStack(spec);
    assert.deepEqual(stack.projects, ["analytics", "main"]);
    const objects = renderAll(stack);
    assert.deepEqual(validateObjects(objects), []);
    assert.ok(objects.some((o) => o.kind === "StatefulSet" && o.metadata.namespace === "analytics"));
  });

  it("property: any valid stack renders objects with zero problems, deterministically", () => {
    const name = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);
    const project = fc.constantFrom(undefined, "main", "shop", "data");
    const serviceArb = fc.record(
      {
        engine: fc.constantFrom(...ENGINES),
        project,
        storage: fc.constantFrom(undefined, "1Gi", "500Mi", "20G"),
        deleteDataOnDestroy: fc.boolean(),
      },
      { requiredKeys: ["engine"] },
    );
    const stackArb = fc
      .record({
        services: fc.dictionary(name, serviceArb, { maxKeys: 4 }),
        apps: fc.dictionary(
          name,
          fc.record(
            {
              image: fc.constantFrom(
                "nginx:1.27",
                "ghcr.io/acme/web:1.4.2",
                "registry.example.com:5000/team/api@sha256:" + "a".repeat(64),
              ),
              port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
              replicas: fc.integer({ min: 0, max: 100 }),
              project,
              env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string({ maxLength: 12 }), {
                maxKeys: 3,
              }),
              secretEnv: fc.uniqueArray(fc.stringMatching(/^S_[A-Z0-9]{1,6}$/), { maxLength: 2 }),
              health: fc.option(fc.record({ path: fc.constantFrom("/", "/healthz", "/api/health") }), {
                nil: undefined,
              }),
              public: fc.boolean(),
              bindCount: fc.integer({ min: 0, max: 3 }),
              domain: fc.boolean(),
            },
            { requiredKeys: ["image", "replicas", "bindCount", "domain"] },
          ),
          { maxKeys: 5 },
        ),
        gateway: fc.boolean(),
      })
      .map(({ services, apps, gateway }) => {
        const serviceNames = Object.keys(services);
        const appSpecs: Record<string, AppSpec> = {};
        for (const [appName, a] of Object.entries(apps)) {
          if (Object.hasOwn(services, appName)) continue; // one name per project (tested elsewhere)
          const prj = a.project ?? "main";
          const bindable = serviceNames.filter((s) => (services[s]!.project ?? "main") === prj);
          const { bindCount, domain, ...rest } = a;
          const env = Object.fromEntries(Object.entries(a.env ?? {}).filter(([k]) => !(a.secretEnv ?? []).includes(k)));
          appSpecs[appName] = {
            ...rest,
            env,
            bind: bindable.slice(0, bindCount),
            ...(domain && a.port !== undefined && { domains: [`${appName}.example.com`] }),
            ...(a.port === undefined && a.health !== undefined && { health: { ...a.health, port: 8080 } }),
          };
        }
        return {
          ...EXAMPLE_SPEC,
          domain: gateway ? { gateway: "skipper.run" } : {},
          services: services as Record<string, ServiceSpec>,
          apps: appSpecs,
        } as StackSpec;
      });
    fc.assert(
      fc.property(stackArb, (spec) => {
        let stack: ReturnType<typeof validateStack>;
        try {
          stack = validateStack(spec);
        } catch (err) {
          // Derived-name collisions (app `a` and app `a-domains`) are refused by design; anything else is a bug.
          if (err instanceof Error && /renders (Ingress|Middleware|Secret)\//.test(err.message)) return;
          throw err;
        }
        const objects = renderAll(stack);
        assert.deepEqual(validateObjects(objects), []);
        assert.equal(JSON.stringify(renderAll(stack)), JSON.stringify(objects));
      }),
      { numRuns: 60 },
    );
  });
});
