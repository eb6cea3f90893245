/**
 * `core/render/names.ts` lists the objects an app or a service renders, for the validator's collision check. The
 * list must be what the renderers actually produce: for apps of every shape (port or not, gateway or not, custom
 * domains, secret env), the names of the rendered objects (plus the TLS Secrets their Ingresses ask cert-manager
 * for) are exactly `appObjectNames`, and the same for services. Dropping or adding a name on either side fails here.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ENGINES } from "../../core/catalogue.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { renderApp, renderAppSecret } from "../../core/render/app.ts";
import { appObjectNames, serviceObjectNames } from "../../core/render/names.ts";
import { K3S_STORAGE_CLASS, renderService, renderServiceCredentials } from "../../core/render/service.ts";
import type { AppSpec, StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

/** `Kind/name` of each object, and of each TLS Secret an Ingress names (cert-manager creates those). */
function namesOf(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    out.push(`${o.kind}/${o.metadata.name}`);
    const tls = (o as { spec?: { tls?: { secretName?: string }[] } }).spec?.tls ?? [];
    for (const t of tls) if (t.secretName) out.push(`Secret/${t.secretName}`);
  }
  return [...new Set(out)].sort();
}

describe("names.ts agrees with the renderers", () => {
  it("property: every app shape renders exactly the objects appObjectNames lists", () => {
    const seed = Number(process.env["FC_SEED"] ?? Date.now() % 2 ** 31);
    console.log(`fast-check seed ${seed}`);
    const app = fc.record(
      {
        port: fc.option(fc.constant(8080), { nil: undefined }),
        domains: fc.constantFrom([], ["shop.example.com"], ["a.example.org", "b.example.org"]),
        secretEnv: fc.constantFrom([], ["API_KEY"]),
        public: fc.boolean(),
        health: fc.boolean(),
      },
      { requiredKeys: ["domains", "secretEnv", "public", "health"] },
    );
    fc.assert(
      fc.property(app, fc.boolean(), (shape, gateway) => {
        if (shape.port === undefined && shape.domains.length > 0) return; // refused by validation
        const spec: AppSpec = {
          image: "ghcr.io/acme/web:1.0.0",
          ...(shape.port !== undefined && { port: shape.port }),
          domains: shape.domains,
          secretEnv: shape.secretEnv,
          public: shape.public,
          ...(shape.health && { health: { path: "/healthz", port: 8080 } }),
        };
        const stack = validateStack({
          ...EXAMPLE_SPEC,
          domain: gateway ? { gateway: "skipper.run", acmeEmail: "ops@example.com" } : { acmeEmail: "ops@example.com" },
          apps: { web: spec },
          services: {},
        } as StackSpec);
        const [a] = stack.apps;
        assert.ok(a);
        const rendered = [
          ...renderApp(a, stack),
          ...(a.secretEnv.length > 0 ? [renderAppSecret(a, { API_KEY: "x" })] : []),
        ];
        assert.deepEqual(namesOf(rendered), [...appObjectNames(a)].sort(), JSON.stringify({ shape, gateway }));
      }),
      { seed, numRuns: 100 },
    );
  });

  it("every engine's service renders exactly the objects serviceObjectNames lists", () => {
    const stack = validateStack({
      ...EXAMPLE_SPEC,
      apps: {},
      services: Object.fromEntries(ENGINES.map((e) => [`${e}-svc`, { engine: e }])),
    } as StackSpec);
    for (const svc of stack.services) {
      const rendered = [renderServiceCredentials(svc, "pw"), ...renderService(svc, K3S_STORAGE_CLASS)];
      assert.deepEqual(namesOf(rendered), [...serviceObjectNames(svc)].sort(), svc.name);
    }
  });
});
