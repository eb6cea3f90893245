/**
 * The console's Kubernetes objects (core/render/console.ts), rendered without Pulumi: RBAC is exactly the console-api's
 * permission list (narrowed where it can be), every object passes the schema and cross-object checks beside the rest
 * of the example stack, routes, env per contract 3, the archive split across ConfigMaps, and the signing key.
 */
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { describe, it } from "node:test";
import { importPKCS8, jwtVerify, SignJWT } from "jose";
import {
  CLUSTER_PERMISSIONS,
  CONSOLE_PERMISSIONS,
  mergePermissions,
  OWN_NAMESPACE_PERMISSIONS,
  type Permission,
} from "../../core/console/permissions.ts";
import { signingKeyPem } from "../../core/ed25519-key.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { CONFIGMAP_MAX_BYTES } from "../../core/render/code-bundle.ts";
import {
  ARCHIVE_HASH_ANNOTATION,
  ARCHIVE_PART_BYTES,
  archiveParts,
  type ConsoleInput,
  consoleConfig,
  consoleSecrets,
  consoleUrls,
  defaultAdminEmail,
  renderConsole,
  serviceCredentials,
} from "../../core/render/console.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import { renderAll } from "../support/render-all.ts";

const SEED = 0x5eed_c0de;
console.log(`console-render: seed ${SEED}`);

/** Seeded, incompressible bytes (xorshift32): an archive stand-in of a chosen size. */
function bytes(n: number, seed = SEED): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const stack = validateStack(EXAMPLE_SPEC);
const base = (over: Partial<ConsoleInput> = {}): ConsoleInput => ({
  clusterId: stack.cluster.id,
  gatewayDomain: "skipper.run",
  gatewayHost: stack.console.host as string,
  adminEmail: "ops@example.com",
  archive: { gzip: bytes(3000), tarSha256: "ab".repeat(32), hasWeb: true },
  credentials: serviceCredentials(stack.services),
  ...over,
});
const render = (over: Partial<ConsoleInput> = {}) => {
  const cfg = consoleConfig(base(over));
  return [...consoleSecrets(cfg, { signingKeyPem: "<pem>", adminPassword: "<pw>" }), ...renderConsole(cfg)];
};
const ofKind = (objs: readonly K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
const rulesOf = (o: K8sObject) => o["rules"] as Rule[];
const asPermissions = (rules: readonly Rule[]): Permission[] =>
  rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.map((res) => ({ apiGroup: g, resource: res, verbs: r.verbs }))),
  );
type Container = { name: string; env: { name: string; value?: string; valueFrom?: unknown }[] } & Record<
  string,
  unknown
>;
const podSpec = (objs: readonly K8sObject[]) => {
  const d = ofKind(objs, "Deployment")[0] as K8sObject;
  return (d["spec"] as { template: { spec: Record<string, unknown> } }).template.spec;
};

describe("console RBAC", () => {
  const objs = render();

  it("grants the ClusterRole exactly the cluster-scope permissions of core/console/permissions.ts, Secrets aside", () => {
    const [role] = ofKind(objs, "ClusterRole");
    assert.ok(role);
    const expected = mergePermissions(
      CLUSTER_PERMISSIONS.filter((p) => !(p.apiGroup === "" && p.resource === "secrets")),
    );
    assert.deepEqual(mergePermissions(asPermissions(rulesOf(role))), expected);
    assert.ok(expected.length >= 5, "the list is not empty");
  });

  it("reads Secrets elsewhere only by name: the credentials of the stack's services, with the listed verbs", () => {
    const roles = ofKind(objs, "Role").filter((r) => r.metadata.namespace !== "skipper-console");
    assert.deepEqual(
      roles.map((r) => r.metadata.namespace),
      ["main"],
    );
    const secretVerbs = CLUSTER_PERMISSIONS.filter((p) => p.resource === "secrets").flatMap((p) => p.verbs);
    assert.deepEqual(rulesOf(roles[0] as K8sObject), [
      {
        apiGroups: [""],
        resources: ["secrets"],
        resourceNames: ["cache-credentials", "db-credentials"],
        verbs: [...secretVerbs].sort(),
      },
    ]);
    // A stack without services gives the console no Secret outside its namespace at all.
    const bare = render({ credentials: [] });
    assert.equal(ofKind(bare, "Role").filter((r) => r.metadata.namespace !== "skipper-console").length, 0);
    assert.ok(!JSON.stringify(ofKind(bare, "ClusterRole")).includes('"secrets"'));
  });

  it("writes only in its own namespace what the own-namespace list says", () => {
    const own = ofKind(objs, "Role").find((r) => r.metadata.namespace === "skipper-console") as K8sObject;
    assert.deepEqual(mergePermissions(asPermissions(rulesOf(own))), mergePermissions(OWN_NAMESPACE_PERMISSIONS));
  });

  it("adds up to the console-api's whole permission list, with no wildcard anywhere", () => {
    const all = [...ofKind(objs, "ClusterRole"), ...ofKind(objs, "Role")].flatMap(rulesOf);
    assert.deepEqual(mergePermissions(asPermissions(all)), CONSOLE_PERMISSIONS);
    for (const r of all) {
      for (const v of [...r.apiGroups, ...r.resources, ...r.verbs]) assert.notEqual(v, "*");
    }
  });

  it("binds each role to the console's ServiceAccount, and only to it", () => {
    const bindings = [...ofKind(objs, "ClusterRoleBinding"), ...ofKind(objs, "RoleBinding")];
    assert.equal(bindings.length, 3);
    for (const b of bindings) {
      assert.deepEqual(b["subjects"], [{ kind: "ServiceAccount", name: "console-api", namespace: "skipper-console" }]);
      const ref = b["roleRef"] as { kind: string; name: string };
      const role = objs.find(
        (o) =>
          o.kind === ref.kind &&
          o.metadata.name === ref.name &&
          (o.kind === "ClusterRole" || o.metadata.namespace === b.metadata.namespace),
      );
      assert.ok(role, `${b.kind} ${b.metadata.name} refers to a rendered ${ref.kind}`);
    }
    assert.equal(podSpec(objs)["serviceAccountName"], "console-api");
  });
});

describe("console objects", () => {
  it("pass the schema and cross-object checks, alone and beside the whole example stack", () => {
    for (const over of [{}, { domain: "console.example.com" }, { gatewayHost: undefined, gatewayDomain: undefined }]) {
      const objs = render(over as Partial<ConsoleInput>);
      assert.deepEqual(validateObjects([...renderAll(stack), ...objs]), []);
    }
    // The checks do bite: a Service that selects nothing and a missing archive part are both reported.
    const broken = render().map((o) =>
      o.kind === "Service"
        ? { ...o, spec: { ...(o["spec"] as object), selector: { "app.kubernetes.io/instance": "nobody" } } }
        : o,
    );
    const problems = validateObjects(broken.filter((o) => o.metadata.name !== "console-api-code-0"));
    assert.ok(
      problems.some((p) => /Service skipper-console\/console-api/.test(p)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => /console-api-code-0/.test(p)),
      problems.join("\n"),
    );
  });

  it("routes the gateway host over plain HTTP and console.domain over HTTPS with a certificate", () => {
    const gatewayOnly = ofKind(render(), "Ingress");
    assert.deepEqual(
      gatewayOnly.map((i) => i.metadata.name),
      ["console-api"],
    );
    const gw = gatewayOnly[0] as K8sObject;
    assert.equal(gw.metadata.annotations?.["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
    assert.equal((gw["spec"] as { tls?: unknown }).tls, undefined);
    assert.equal(
      (gw["spec"] as { rules: { host: string }[] }).rules[0]?.host,
      "console-203-0-113-10.skipper.run",
      "the one subdomain function's host",
    );

    const both = render({ domain: "console.example.com" });
    const domain = ofKind(both, "Ingress").find((i) => i.metadata.name === "console-api-domain") as K8sObject;
    assert.equal(domain.metadata.annotations?.["cert-manager.io/cluster-issuer"], "skipper-letsencrypt");
    assert.equal(domain.metadata.annotations?.["traefik.ingress.kubernetes.io/router.entrypoints"], "websecure");
    assert.deepEqual((domain["spec"] as { tls: unknown }).tls, [
      { hosts: ["console.example.com"], secretName: "console-api-tls" },
    ]);
    const redirect = ofKind(both, "Ingress").find((i) => i.metadata.name === "console-api-redirect") as K8sObject;
    assert.match(redirect.metadata.annotations?.["traefik.ingress.kubernetes.io/router.middlewares"] ?? "", /redirect/);
    assert.deepEqual(consoleUrls({ gatewayHost: "a.example", domain: "b.example" }), [
      "https://a.example",
      "https://b.example",
    ]);

    const unrouted = render({ gatewayHost: undefined });
    assert.equal(ofKind(unrouted, "Ingress").length, 0);
    assert.equal(ofKind(unrouted, "Middleware").length, 0);
  });

  it("configures the console-api per contract 3, the password and key from Secrets", () => {
    const spec = podSpec(render());
    const c = (spec["containers"] as Container[])[0] as Container;
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env["PORT"], "8080");
    assert.equal(env["HOST"], "0.0.0.0");
    assert.equal(env["SKIPPER_CONSOLE_NAMESPACE"], "skipper-console");
    assert.equal(env["SKIPPER_ADMIN_EMAIL"], "ops@example.com");
    assert.equal(env["SKIPPER_CLUSTER_ID"], "203-0-113-10");
    assert.equal(env["SKIPPER_GATEWAY_DOMAIN"], "skipper.run");
    assert.equal(env["SKIPPER_CONSOLE_WEB_DIR"], "/opt/skipper/app/web");
    assert.deepEqual(env["SKIPPER_ADMIN_PASSWORD"], {
      secretKeyRef: { name: "console-api-admin", key: "password" },
    });
    const keyFile = env["SKIPPER_CONSOLE_SIGNING_KEY_FILE"] as string;
    const mount = (c["volumeMounts"] as { name: string; mountPath: string }[]).find((m) => m.name === "signing-key");
    const volume = (
      spec["volumes"] as { name: string; secret?: { secretName: string; items: { path: string }[] } }[]
    ).find((v) => v.name === "signing-key");
    assert.equal(keyFile, `${mount?.mountPath}/${volume?.secret?.items[0]?.path}`);
    assert.equal(volume?.secret?.secretName, "console-api-signing-key");
    for (const e of c.env) assert.ok(!JSON.stringify(e).includes("<pw>") && !JSON.stringify(e).includes("<pem>"));

    const apiOnly = podSpec(render({ archive: { gzip: bytes(10), tarSha256: "cd".repeat(32), hasWeb: false } }));
    const names = ((apiOnly["containers"] as Container[])[0] as Container).env.map((e) => e.name);
    assert.ok(!names.includes("SKIPPER_CONSOLE_WEB_DIR"), "no web dir without the built web console");
    const noGateway = podSpec(render({ gatewayHost: undefined, gatewayDomain: undefined }));
    assert.ok(
      !((noGateway["containers"] as Container[])[0] as Container).env.some((e) => e.name === "SKIPPER_GATEWAY_DOMAIN"),
    );
  });

  it("probes /healthz and runs non-root with a read-only root and no capabilities in a restricted namespace", () => {
    const objs = render();
    const spec = podSpec(objs);
    const c = (spec["containers"] as Container[])[0] as Container;
    assert.equal((c["readinessProbe"] as { httpGet: { path: string } }).httpGet.path, "/healthz");
    assert.equal((c["livenessProbe"] as { httpGet: { path: string } }).httpGet.path, "/healthz");
    for (const container of [...(spec["initContainers"] as Container[]), c]) {
      assert.deepEqual(container["securityContext"], {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      });
      assert.equal(container["image"], "docker.io/library/node:24.22.3-alpine");
    }
    assert.equal((spec["securityContext"] as { runAsNonRoot: boolean }).runAsNonRoot, true);
    const ns = ofKind(objs, "Namespace")[0] as K8sObject;
    assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    const policy = ofKind(objs, "NetworkPolicy")[0] as K8sObject;
    assert.match(JSON.stringify(policy["spec"]), /"app.kubernetes.io\/name":"traefik"/);
  });

  it("splits the archive across ConfigMaps under the 1 MiB limit, each mounted and joined in order", () => {
    const gzip = bytes(2 * ARCHIVE_PART_BYTES + 12_345);
    const archive = { gzip, tarSha256: "ef".repeat(32), hasWeb: true };
    const parts = archiveParts(archive);
    assert.equal(parts.length, 3);
    assert.deepEqual(Buffer.concat(parts.map((p) => Buffer.from(p, "base64"))), Buffer.from(gzip));
    const objs = render({ archive });
    const maps = ofKind(objs, "ConfigMap");
    assert.deepEqual(
      maps.map((m) => m.metadata.name),
      ["console-api-code-0", "console-api-code-1", "console-api-code-2"],
    );
    for (const m of maps) {
      const raw = Buffer.from((m["binaryData"] as Record<string, string>)["part"] as string, "base64");
      assert.ok(raw.byteLength + 4 <= CONFIGMAP_MAX_BYTES, `${m.metadata.name}: ${raw.byteLength} bytes`);
    }
    const spec = podSpec(objs);
    const init = (spec["initContainers"] as Container[])[0] as Container;
    const script = (init["command"] as string[])[2] as string;
    assert.match(
      script,
      /cat \/opt\/skipper\/archive\/0\/part \/opt\/skipper\/archive\/1\/part \/opt\/skipper\/archive\/2\/part \|/,
    );
    assert.match(script, new RegExp(`${"ef".repeat(32)}  `));
    const deployment = ofKind(objs, "Deployment")[0] as K8sObject;
    const annotations = (deployment["spec"] as { template: { metadata: { annotations: object } } }).template.metadata
      .annotations;
    assert.deepEqual(annotations, { [ARCHIVE_HASH_ANNOTATION]: "ef".repeat(32) });
  });

  it("refuses a privileged port and an empty archive before rendering anything", () => {
    assert.throws(() => consoleConfig(base({ port: 80 })), /unprivileged port/);
    assert.throws(
      () => consoleConfig(base({ archive: { gzip: new Uint8Array(0), tarSha256: "", hasWeb: false } })),
      /empty/,
    );
  });
});

describe("console signing key and first admin", () => {
  it("derives a stable Ed25519 PKCS #8 key that jose signs and verifies with", async () => {
    const secret = Buffer.from(bytes(48)).toString("base64url");
    const pem = signingKeyPem(secret);
    assert.equal(pem, signingKeyPem(secret), "same secret, same key");
    assert.notEqual(pem, signingKeyPem(`${secret}x`));
    const key = await importPKCS8(pem, "EdDSA");
    const jwt = await new SignJWT({ sub: "a@example.com" }).setProtectedHeader({ alg: "EdDSA" }).sign(key);
    const { payload } = await jwtVerify(jwt, createPublicKey(pem), { algorithms: ["EdDSA"] });
    assert.equal(payload.sub, "a@example.com");
    await assert.rejects(jwtVerify(jwt, createPublicKey(signingKeyPem(`${secret}x`)), { algorithms: ["EdDSA"] }));
    assert.throws(() => signingKeyPem("short"), /at least 32/);
  });

  it("defaults the admin e-mail to the ACME e-mail, else admin@ the console's host", () => {
    assert.equal(defaultAdminEmail("ops@example.com", ["console-1-2-3-4.skipper.run"]), "ops@example.com");
    assert.equal(defaultAdminEmail(undefined, [undefined, "console.example.com"]), "admin@console.example.com");
    assert.equal(defaultAdminEmail(undefined, [undefined, undefined]), "admin@skipper.local");
  });
});
