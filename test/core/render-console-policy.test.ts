/**
 * The console's admission policy (core/render/console-policy.ts), evaluated for real: its CEL expressions run in a CEL
 * implementation (`@marcbachmann/cel-js`) against admission requests shaped as the API server builds them
 * (`request`, `object`, `namespaceObject`, `variables`), behind a matcher that follows the API server's rules
 * (resourceRules with subresources, matchConditions, namespaceObject null for cluster-scoped requests and for a
 * Namespace itself). Also: the rules cover every write of the permission lists, the objects pass the Kubernetes
 * schemas, and the k3s version check.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate } from "@marcbachmann/cel-js";
import { Cluster, CONSOLE_MANAGER } from "../../console-api/kube/cluster.ts";
import {
  CLUSTER_PERMISSIONS,
  OWN_NAMESPACE_PERMISSIONS,
  type Permission,
  READ_VERBS,
} from "../../core/console/permissions.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { consoleConfig, consoleSecrets, renderConsole, renderConsoleAdmission } from "../../core/render/console.ts";
import {
  CONSOLE_NAMESPACE_MANAGER,
  consoleKubernetesProblem,
  renderConsolePolicy,
  serviceAccountUser,
} from "../../core/render/console-policy.ts";
import { renderNamespace } from "../../core/render/namespace.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";

const cfg = consoleConfig({
  clusterId: "203-0-113-10",
  adminEmail: "ops@example.com",
  archive: { gzip: new Uint8Array([1, 2, 3]), tarSha256: "0".repeat(64), hasWeb: false },
});
const CONSOLE_USER = serviceAccountUser(cfg.namespace, cfg.names.serviceAccount);

interface Rule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
  scope: string;
}
interface PolicySpec {
  failurePolicy: string;
  matchConstraints: { resourceRules: Rule[] };
  matchConditions: { name: string; expression: string }[];
  variables: { name: string; expression: string }[];
  validations: { expression: string; messageExpression: string }[];
}

type Obj = Record<string, unknown>;

/** A namespace as the API server stores it: its defaulting adds the `kubernetes.io/metadata.name` label. */
function stored(ns: K8sObject): Obj {
  const name = ns.metadata.name;
  return {
    ...ns,
    metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, "kubernetes.io/metadata.name": name } },
  };
}

/** The namespace body the console-api sends when an admin creates a project, captured from its own code. */
async function consoleProjectBody(name: string): Promise<K8sObject> {
  let body: K8sObject | undefined;
  const kube = {
    core: {
      createNamespace: async (req: { body: { metadata: K8sObject["metadata"] } }) => {
        body = { apiVersion: "v1", kind: "Namespace", ...req.body } as K8sObject;
        return req.body;
      },
    },
  };
  const cache = { invalidate: () => {} };
  await new Cluster(kube as never, cache as never).createProject(name);
  assert.ok(body, "createProject sent no body");
  return body;
}

const namespaceOf = (name: string, labels: Record<string, string>): Obj =>
  stored({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });

/** The cluster's namespaces: a stack project, a console-made project, system namespaces, near-misses. */
async function clusterNamespaces(): Promise<Map<string, Obj>> {
  const consoleNs = renderConsole(cfg).find((o) => o.kind === "Namespace");
  assert.ok(consoleNs);
  const list = [
    stored(renderNamespace("main")),
    stored(await consoleProjectBody("shop")),
    stored(consoleNs),
    namespaceOf("kube-system", {}),
    namespaceOf("default", {}),
    // Labelled like a project by someone, but named like a system namespace.
    namespaceOf("kube-public", { "app.kubernetes.io/managed-by": "skipper", "skipper.dev/project": "kube-public" }),
    // The project label names another namespace.
    namespaceOf("other", { "app.kubernetes.io/managed-by": "skipper", "skipper.dev/project": "main" }),
    // A project label but not made by Skipper.
    namespaceOf("foreign", { "app.kubernetes.io/managed-by": "helm", "skipper.dev/project": "foreign" }),
  ];
  return new Map(list.map((n) => [(n["metadata"] as { name: string }).name, n]));
}

interface Request {
  readonly user?: string;
  readonly operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  readonly group: string;
  readonly resource: string;
  readonly subResource?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly object?: Obj | null;
}

type Outcome =
  | { readonly decision: "not matched" }
  | { readonly decision: "skipped" }
  | { readonly decision: "allowed" }
  | { readonly decision: "denied"; readonly message: string };

/** The API server's `resourceRules` match (webhook/predicates/rules/rules.go): scope, operation, group, resource. */
function ruleMatches(rule: Rule, req: Request): boolean {
  const namespaceRequest = req.group === "" && req.resource === "namespaces";
  const namespaced = !namespaceRequest && (req.namespace ?? "") !== "";
  const scope =
    rule.scope === "*" || (rule.scope === "Namespaced" ? namespaced : rule.scope === "Cluster" ? !namespaced : false);
  const any = (items: string[], v: string) => items.includes("*") || items.includes(v);
  const resource = rule.resources.some((r) => {
    const [res, sub = ""] = r.split(/\/(.*)/s);
    return (res === "*" || res === req.resource) && (sub === "*" || sub === (req.subResource ?? ""));
  });
  return scope && any(rule.operations, req.operation) && any(rule.apiGroups, req.group) && resource;
}

/** What the API server decides for the policy and its binding (a Deny binding; failurePolicy Fail on errors). */
function admit(objects: readonly K8sObject[], namespaces: ReadonlyMap<string, Obj>, req: Request): Outcome {
  const [policy, binding] = objects;
  assert.ok(policy && binding);
  assert.equal(policy.kind, "ValidatingAdmissionPolicy");
  assert.deepEqual((binding["spec"] as { validationActions: string[] }).validationActions, ["Deny"]);
  const spec = policy["spec"] as PolicySpec;
  if (!spec.matchConstraints.resourceRules.some((r) => ruleMatches(r, req))) return { decision: "not matched" };

  // Like dispatcher.go: the request's namespace, except for a Namespace itself; null when cluster-scoped.
  const isNamespace = req.group === "" && req.resource === "namespaces";
  const nsName = isNamespace ? req.name : (req.namespace ?? "");
  let namespaceObject: Obj | null = null;
  if (!isNamespace && nsName !== "") {
    const found = namespaces.get(nsName);
    if (!found) throw new Error(`namespace ${nsName} not found (the API server fails the request)`);
    namespaceObject = found;
  }
  const request = {
    uid: "0b5e1c2d",
    kind: {},
    resource: { group: req.group, version: "v1", resource: req.resource },
    ...(req.subResource !== undefined && { subResource: req.subResource }),
    name: req.name,
    namespace: nsName,
    operation: req.operation,
    userInfo: { username: req.user ?? CONSOLE_USER, groups: ["system:serviceaccounts", "system:authenticated"] },
  };
  const ctx: Record<string, unknown> = {
    request,
    object: req.object ?? null,
    oldObject: null,
    namespaceObject,
    params: null,
  };
  const failed = (what: string, err: unknown): Outcome => ({
    decision: "denied",
    message: `${what} failed (failurePolicy ${spec.failurePolicy}): ${(err as Error).message}`,
  });
  for (const c of spec.matchConditions) {
    try {
      if (evaluate(c.expression, ctx) !== true) return { decision: "skipped" };
    } catch (err) {
      return failed(`matchCondition ${c.name}`, err);
    }
  }
  const variables: Record<string, unknown> = {};
  ctx["variables"] = variables;
  for (const v of spec.variables) {
    try {
      variables[v.name] = evaluate(v.expression, ctx);
    } catch (err) {
      return failed(`variable ${v.name}`, err);
    }
  }
  for (const v of spec.validations) {
    let ok: unknown;
    try {
      ok = evaluate(v.expression, ctx);
    } catch (err) {
      return failed("validation", err);
    }
    if (ok !== true) return { decision: "denied", message: String(evaluate(v.messageExpression, ctx)) };
  }
  return { decision: "allowed" };
}

const deployment = (namespace: string): Obj => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace },
  spec: { template: { spec: { containers: [{ name: "web", image: "evil:latest" }] } } },
});
const scale = (namespace: string): Obj => ({
  apiVersion: "autoscaling/v1",
  kind: "Scale",
  metadata: { name: "web", namespace },
  spec: { replicas: 3 },
});
const patchDeployment = (namespace: string, over: Partial<Request> = {}): Request => ({
  operation: "UPDATE",
  group: "apps",
  resource: "deployments",
  namespace,
  name: "web",
  object: deployment(namespace),
  ...over,
});
const createNamespace = (object: Obj): Request => ({
  operation: "CREATE",
  group: "",
  resource: "namespaces",
  name: (object["metadata"] as { name: string }).name,
  object,
});

const objects = renderConsoleAdmission(cfg);

function assertDenied(outcome: Outcome, ...mentions: string[]): void {
  assert.equal(outcome.decision, "denied", JSON.stringify(outcome));
  const message = (outcome as { message: string }).message;
  assert.ok(!message.includes("failed (failurePolicy"), `a refusal by a rule, not an evaluation error: ${message}`);
  for (const m of mentions) assert.ok(message.includes(m), `"${message}" names ${m}`);
}

describe("console admission policy: evaluated", () => {
  it("lets the console patch and scale Deployments in project namespaces (stack-made and console-made)", async () => {
    const ns = await clusterNamespaces();
    for (const project of ["main", "shop"]) {
      assert.deepEqual(admit(objects, ns, patchDeployment(project)), { decision: "allowed" }, project);
      const scaled = patchDeployment(project, { subResource: "scale", object: scale(project) });
      assert.deepEqual(admit(objects, ns, scaled), { decision: "allowed" }, `${project} scale`);
    }
  });

  it("refuses the console's writes to Deployments anywhere else, naming the namespace", async () => {
    const ns = await clusterNamespaces();
    for (const name of ["kube-system", "default", "kube-public", "other", "foreign", cfg.namespace]) {
      assertDenied(admit(objects, ns, patchDeployment(name)), `namespace ${name}`, "apps/deployments", "project");
      const scaled = patchDeployment(name, { subResource: "scale", object: scale(name) });
      assertDenied(admit(objects, ns, scaled), `namespace ${name}`, "apps/deployments/scale");
    }
    // A create (server-side apply of a missing object arrives as CREATE) and a delete are refused too.
    assertDenied(admit(objects, ns, patchDeployment("kube-system", { operation: "CREATE" })), "kube-system");
    assertDenied(admit(objects, ns, patchDeployment("kube-system", { operation: "DELETE", object: null })));
  });

  it("keeps its Secret and ConfigMap writes in its own namespace", async () => {
    const ns = await clusterNamespaces();
    const write = (resource: string, namespace: string, operation: Request["operation"]): Request => ({
      operation,
      group: "",
      resource,
      namespace,
      name: "console-users",
      object: { apiVersion: "v1", kind: resource === "secrets" ? "Secret" : "ConfigMap", metadata: {} },
    });
    for (const resource of ["secrets", "configmaps"]) {
      for (const op of ["CREATE", "UPDATE"] as const) {
        assert.deepEqual(admit(objects, ns, write(resource, cfg.namespace, op)), { decision: "allowed" });
        for (const other of ["main", "kube-system"]) {
          assertDenied(admit(objects, ns, write(resource, other, op)), `namespace ${other}`, cfg.namespace);
        }
      }
    }
  });

  it("lets the console create a project namespace exactly as its console-api does, and nothing else", async () => {
    const ns = await clusterNamespaces();
    const body = stored(await consoleProjectBody("shop-2"));
    assert.deepEqual(admit(objects, ns, createNamespace(body)), { decision: "allowed" });

    const meta = body["metadata"] as { name: string; labels: Record<string, string> };
    const variant = (name: string, labels: Record<string, string> | undefined, extra: Obj = {}): Obj =>
      stored({ apiVersion: "v1", kind: "Namespace", metadata: { name, ...(labels && { labels }), ...extra } });
    const { "skipper.dev/project": _project, ...withoutProject } = meta.labels;
    const refused: [string, Obj][] = [
      ["no labels", variant("shop-3", undefined)],
      ["no project label", variant("shop-3", withoutProject)],
      ["project label of another name", variant("shop-3", { ...meta.labels, "skipper.dev/project": "main" })],
      ["stack's managed-by", variant("shop-2", { ...meta.labels, "app.kubernetes.io/managed-by": "skipper" })],
      ["an extra label", variant("shop-2", { ...meta.labels, "field.cattle.io/projectId": "p-1" })],
      ["PSA enforce label", variant("shop-2", { ...meta.labels, "pod-security.kubernetes.io/enforce": "privileged" })],
      [
        "annotations",
        variant("shop-2", meta.labels, { annotations: { "scheduler.alpha.kubernetes.io/node-selector": "" } }),
      ],
    ];
    for (const name of ["kube-evil", "default", cfg.namespace]) {
      refused.push([
        `reserved name ${name}`,
        variant(name, { ...meta.labels, "skipper.dev/project": name, "kubernetes.io/metadata.name": name }),
      ]);
    }
    for (const [why, object] of refused) {
      const outcome = admit(objects, ns, createNamespace(object));
      assert.equal(outcome.decision, "denied", why);
      assertDenied(outcome, "CREATE /namespaces", "skipper.dev/project");
    }
  });

  it("refuses every other cluster-scoped write, such as relabelling a namespace into a project", async () => {
    const ns = await clusterNamespaces();
    const relabel: Request = {
      operation: "UPDATE",
      group: "",
      resource: "namespaces",
      name: "kube-system",
      object: namespaceOf("kube-system", {
        "app.kubernetes.io/managed-by": "skipper",
        "skipper.dev/project": "kube-system",
      }),
    };
    assertDenied(admit(objects, ns, relabel), "UPDATE /namespaces kube-system");
    assertDenied(admit(objects, ns, { ...relabel, operation: "DELETE", name: "main", object: null }), "DELETE");
  });

  it("does not apply to anyone else, not even another ServiceAccount of the console's namespace", async () => {
    const ns = await clusterNamespaces();
    for (const user of ["system:admin", serviceAccountUser(cfg.namespace, "default"), `${CONSOLE_USER}x`]) {
      assert.deepEqual(admit(objects, ns, patchDeployment("kube-system", { user })), { decision: "skipped" }, user);
    }
    // A console in another namespace names its own ServiceAccount.
    const elsewhere = renderConsolePolicy({ namespace: "ops", serviceAccount: "console-api", policyName: "p" });
    assert.deepEqual(admit(elsewhere, ns, patchDeployment("kube-system")), { decision: "skipped" });
    const opsUser = serviceAccountUser("ops", "console-api");
    assert.equal(admit(elsewhere, ns, patchDeployment("kube-system", { user: opsUser })).decision, "denied");
  });

  it("matches subresources only where listed: a pods/exec or deployments/status request is not the console's", async () => {
    const ns = await clusterNamespaces();
    // RBAC refuses these (not in the permission lists); the policy does not claim them either.
    const exec = patchDeployment("main", { operation: "CONNECT", group: "", resource: "pods", subResource: "exec" });
    assert.deepEqual(admit(objects, ns, exec), { decision: "not matched" });
    const status = patchDeployment("kube-system", { subResource: "status" });
    assert.deepEqual(admit(objects, ns, status), { decision: "not matched" });
  });
});

/** The admission operations an RBAC write verb can produce (patch of a missing object with apply creates it). */
const OPERATIONS_OF_VERB: Readonly<Record<string, readonly string[]>> = {
  create: ["CREATE", "CONNECT"],
  update: ["UPDATE"],
  patch: ["UPDATE", "CREATE"],
  delete: ["DELETE"],
  deletecollection: ["DELETE"],
};

describe("console admission policy: derived from the permission lists", () => {
  const writes = (perms: readonly Permission[]) =>
    perms.flatMap((p) => p.verbs.filter((v) => !READ_VERBS.has(v)).map((verb) => ({ ...p, verb })));
  const spec = objects[0]?.["spec"] as PolicySpec;

  it("matches every write verb of both lists with its resourceRules", () => {
    const all = writes([...CLUSTER_PERMISSIONS, ...OWN_NAMESPACE_PERMISSIONS]);
    assert.ok(all.length >= 4, "the lists have writes");
    for (const w of all) {
      const ops = OPERATIONS_OF_VERB[w.verb];
      assert.ok(ops, `verb ${w.verb} (${w.apiGroup}/${w.resource}) has a known admission operation`);
      const [resource, subResource] = w.resource.split("/");
      for (const operation of ops) {
        const req: Request = {
          operation: operation as Request["operation"],
          group: w.apiGroup,
          resource: resource as string,
          ...(subResource !== undefined && { subResource }),
          namespace: "main",
          name: "x",
        };
        assert.ok(
          spec.matchConstraints.resourceRules.some((r) => ruleMatches(r, req)),
          `${w.verb} ${w.apiGroup}/${w.resource} (${operation}) is matched`,
        );
      }
    }
  });

  it("allows each namespaced write where its list says: project namespaces, or its own namespace", async () => {
    const ns = await clusterNamespaces();
    const namespacedWrites = (perms: readonly Permission[]) =>
      writes(perms).filter((w) => !(w.apiGroup === "" && w.resource === "namespaces"));
    const request = (w: Permission, namespace: string): Request => {
      const [resource, subResource] = w.resource.split("/");
      return {
        operation: "UPDATE",
        group: w.apiGroup,
        resource: resource as string,
        ...(subResource !== undefined && { subResource }),
        namespace,
        name: "x",
        object: {},
      };
    };
    for (const w of namespacedWrites(CLUSTER_PERMISSIONS)) {
      assert.deepEqual(admit(objects, ns, request(w, "main")), { decision: "allowed" }, `${w.resource} in main`);
      assert.equal(admit(objects, ns, request(w, "kube-system")).decision, "denied", `${w.resource} in kube-system`);
    }
    for (const w of namespacedWrites(OWN_NAMESPACE_PERMISSIONS)) {
      assert.deepEqual(admit(objects, ns, request(w, cfg.namespace)), { decision: "allowed" }, w.resource);
      assert.equal(admit(objects, ns, request(w, "main")).decision, "denied", `${w.resource} in main`);
    }
  });

  it("matches no read-only resource (reads stay cluster-wide)", () => {
    const writeKeys = new Set(writes([...CLUSTER_PERMISSIONS, ...OWN_NAMESPACE_PERMISSIONS]).map((w) => w.resource));
    const ruled = spec.matchConstraints.resourceRules.flatMap((r) => r.resources);
    for (const r of ruled) assert.ok(writeKeys.has(r), `${r} is written by the console`);
    assert.ok(!ruled.includes("pods/log") && !ruled.includes("nodes"));
  });

  it("agrees with the console-api on who makes console projects", () => {
    assert.equal(CONSOLE_NAMESPACE_MANAGER, CONSOLE_MANAGER);
  });
});

describe("console admission policy: objects", () => {
  it("is a Deny binding of a Fail policy, valid against the Kubernetes schemas beside the console's objects", () => {
    const [policy, binding] = objects;
    assert.equal(policy?.apiVersion, "admissionregistration.k8s.io/v1");
    const spec = policy?.["spec"] as PolicySpec;
    assert.equal(spec.failurePolicy, "Fail");
    assert.deepEqual(spec.matchConditions, [
      { name: "console-service-account", expression: `request.userInfo.username == "${CONSOLE_USER}"` },
    ]);
    assert.equal(CONSOLE_USER, "system:serviceaccount:skipper-console:console-api");
    for (const v of spec.validations as (PolicySpec["validations"][number] & { message?: string; reason?: string })[]) {
      assert.ok(v.message && v.messageExpression, "a message, and a static one should its expression fail");
      assert.equal(v.reason, "Forbidden");
    }
    assert.deepEqual(binding?.["spec"], { policyName: policy?.metadata.name, validationActions: ["Deny"] });
    const secrets = consoleSecrets(cfg, { signingKeyPem: "pem", adminPassword: "password" });
    assert.deepEqual(validateObjects([...objects, ...secrets, ...renderConsole(cfg)]), []);
  });

  it("refuses a k3s older than 1.30, naming cluster.k3s.version", () => {
    assert.match(
      consoleKubernetesProblem("v1.29.9+k3s1") ?? "",
      /^must be v1\.30 or newer while the console is enabled/,
    );
    assert.match(consoleKubernetesProblem("v1.27.0-rc1+k3s1") ?? "", /console\.enabled: false/);
    for (const ok of ["v1.30.0+k3s1", "v1.31.4+k3s1", "v1.33.1+k3s1", "v2.0.0+k3s1"]) {
      assert.equal(consoleKubernetesProblem(ok), undefined, ok);
    }
    const input = { ...cfg, names: undefined, k3sVersion: "v1.29.9+k3s1" };
    assert.throws(
      () => consoleConfig(input),
      /^Error: cluster\.k3s\.version: must be v1\.30 .*\(got "v1\.29\.9\+k3s1"\)$/,
    );
    assert.doesNotThrow(() => consoleConfig({ ...input, k3sVersion: "v1.30.2+k3s1" }));
  });

  it("is checked with the stack: an old k3s with the console enabled is a spec error, without it is fine", () => {
    const old = { ...EXAMPLE_SPEC, cluster: { ...EXAMPLE_SPEC.cluster, k3s: { version: "v1.29.9+k3s1" } } };
    assert.throws(
      () => validateStack(old),
      (err: Error & { errors?: { field: string }[] }) =>
        err.errors?.some((e) => e.field === "cluster.k3s.version") === true &&
        /cluster\.k3s\.version: must be v1\.30 or newer while the console is enabled.*\(got "v1\.29\.9\+k3s1"\)/.test(
          err.message,
        ),
    );
    assert.doesNotThrow(() => validateStack({ ...old, console: { enabled: false } }));
  });
});
