/**
 * The console's admission policy: a ValidatingAdmissionPolicy and its binding that keep every write of the console's
 * ServiceAccount inside Skipper's projects, whatever its RBAC allows.
 *
 * Why RBAC alone is not enough: the console patches Deployments (restart, scale, image) in any project, and projects
 * can be created at run time from the console, so its write rules are bound cluster-wide. Without this policy, a
 * stolen console token (or a console-api bug) could patch a Deployment in `kube-system` to run any image under that
 * namespace's service accounts: a cluster takeover. Binding the rules per namespace does not work either, because the
 * console would then have to create RoleBindings for new projects, and RBAC cannot limit where a binding is made.
 *
 * What the policy enforces (requests of other users are never matched: `matchConditions` on the ServiceAccount's
 * user name):
 * - a namespaced write (`namespaceObject` is the request's Namespace) of a resource in `CLUSTER_PERMISSIONS` is
 *   allowed only in a project namespace: labelled `skipper.dev/project=<its own name>` and
 *   `app.kubernetes.io/managed-by` `skipper` (made by the stack) or `skipper-console` (made by the console), not
 *   `default`, not `kube-*`, not the console's own namespace;
 * - a write of a resource in `OWN_NAMESPACE_PERMISSIONS` only in the console's own namespace (its users Secret and
 *   audit ConfigMaps);
 * - a cluster-scoped write (`namespaceObject` is null; Kubernetes also passes null for a request on a Namespace
 *   itself) only as the creation of a project namespace: the project labels above with `managed-by: skipper-console`,
 *   only the label keys in `CONSOLE_NAMESPACE_LABEL_KEYS`, no annotations, and not a reserved name. Anything else
 *   cluster-scoped is refused.
 * The rules it matches are derived from `core/console/permissions.ts` (every verb that is not a read), so a new write
 * permission is covered the day it is added; a cluster-scoped one is refused until this file allows it.
 *
 * Kubernetes: `admissionregistration.k8s.io/v1` is served from 1.30 on. Before 1.30 the API is v1beta1 behind a
 * feature gate and a runtime-config flag that k3s does not set, so a console without its policy would be the only
 * outcome there: the console is refused instead (`consoleKubernetesProblem`, checked with the stack, naming
 * `cluster.k3s.version`). The API server loads new policies through an informer, so enforcement starts a moment after
 * the binding is created; the Console component creates the policy and binding before every other console object.
 */
import {
  CLUSTER_PERMISSIONS,
  OWN_NAMESPACE_PERMISSIONS,
  type Permission,
  permissionKey,
  writePermissions,
} from "../console/permissions.ts";
import type { K8sObject } from "../k8s.ts";
import { LABEL_MANAGED_BY, LABEL_PROJECT, MANAGED_BY, platformLabels } from "../labels.ts";

export const POLICY_API_VERSION = "admissionregistration.k8s.io/v1";
/** The first Kubernetes minor (of 1.x) serving `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy. */
export const POLICY_MIN_MINOR = 30;
/** `app.kubernetes.io/managed-by` of the namespaces the console creates (the console-api's `CONSOLE_MANAGER`). */
export const CONSOLE_NAMESPACE_MANAGER = "skipper-console";
/** The `managed-by` values of a project namespace: made by the stack, or by the console. */
export const PROJECT_MANAGERS: readonly string[] = [MANAGED_BY, CONSOLE_NAMESPACE_MANAGER];
/**
 * The labels a namespace created by the console may carry: the project's, Pod Security Admission's audit/warn levels
 * (what the console sets), and the name label the API server adds to every namespace before admission.
 */
export const CONSOLE_NAMESPACE_LABEL_KEYS: readonly string[] = [
  "kubernetes.io/metadata.name",
  LABEL_MANAGED_BY,
  "pod-security.kubernetes.io/audit",
  "pod-security.kubernetes.io/warn",
  LABEL_PROJECT,
];

/** What the policy needs to know about the console. */
export interface ConsolePolicyInput {
  /** The console's namespace (where its ServiceAccount lives and its own objects are written). */
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Name of the policy and of its binding (cluster-scoped). */
  readonly policyName: string;
}

/** The user name Kubernetes gives a ServiceAccount's requests. */
export function serviceAccountUser(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/**
 * The rule a k3s version breaks when the console is enabled (it would run without its admission policy), or
 * undefined when it can serve the policy. Worded to follow the field name, as `SpecError` shows it.
 * @param k3sVersion `cluster.k3s.version`, e.g. `v1.31.4+k3s1`
 */
export function consoleKubernetesProblem(k3sVersion: string): string | undefined {
  const m = /^v(\d+)\.(\d+)\./.exec(k3sVersion);
  if (!m) return undefined; // the version's own check reports a malformed tag
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major > 1 || (major === 1 && minor >= POLICY_MIN_MINOR)) return undefined;
  return (
    `must be v1.${POLICY_MIN_MINOR} or newer while the console is enabled (e.g. v1.31.4+k3s1): the console's ` +
    `admission policy (${POLICY_API_VERSION} ValidatingAdmissionPolicy) keeps its writes inside Skipper's projects ` +
    `and older k3s does not serve it. Raise the version, or set console.enabled: false`
  );
}

const cel = (s: string): string => JSON.stringify(s);
const celList = (items: readonly string[]): string => `[${items.map(cel).join(", ")}]`;

/** The metadata (CEL expression) has the label `key`, and its value passes `test` (`== x`, `in [...]`). */
function label(meta: string, key: string, test: string): string {
  return `has(${meta}.labels) && ${cel(key)} in ${meta}.labels && ${meta}.labels[${cel(key)}] ${test}`;
}

/** A namespace name the console must never treat as a project, nor create. */
function reservedName(name: string, ownNamespace: string): string {
  return `(${name} == "default" || ${name}.startsWith("kube-") || ${name} == ${cel(ownNamespace)})`;
}

/** The admission rules of a permission list: one per resource, every operation (reads never reach admission). */
function resourceRules(perms: readonly Permission[]) {
  const byGroup = new Map<string, string[]>();
  for (const p of perms) byGroup.set(p.apiGroup, [...(byGroup.get(p.apiGroup) ?? []), p.resource]);
  return [...byGroup].map(([group, resources]) => ({
    apiGroups: [group],
    apiVersions: ["*"],
    operations: ["*"],
    resources: [...resources].sort(),
    scope: "*",
  }));
}

/** The writes each scope allows, as `<group>/<resource>[/<subresource>]` keys. */
export function policyScopes(): { project: string[]; own: string[] } {
  return {
    project: writePermissions(CLUSTER_PERMISSIONS).map(permissionKey),
    own: writePermissions(OWN_NAMESPACE_PERMISSIONS).map(permissionKey),
  };
}

/** The ValidatingAdmissionPolicy and its ValidatingAdmissionPolicyBinding (policy first). */
export function renderConsolePolicy(input: ConsolePolicyInput): K8sObject[] {
  const scopes = policyScopes();
  const writes = writePermissions([...CLUSTER_PERMISSIONS, ...OWN_NAMESPACE_PERMISSIONS]);
  const labels = platformLabels("console", "skipper-console");
  const ns = "namespaceObject.metadata";
  const variables = [
    {
      name: "target",
      expression:
        'request.resource.group + "/" + request.resource.resource + ' +
        '(has(request.subResource) && request.subResource != "" ? "/" + request.subResource : "")',
    },
    {
      name: "inProject",
      expression:
        `namespaceObject != null && ${label(ns, LABEL_PROJECT, `== ${ns}.name`)} && ` +
        `${label(ns, LABEL_MANAGED_BY, `in ${celList(PROJECT_MANAGERS)}`)} && ` +
        `!${reservedName(`${ns}.name`, input.namespace)}`,
    },
    {
      name: "inOwnNamespace",
      expression: `namespaceObject != null && ${ns}.name == ${cel(input.namespace)}`,
    },
    {
      name: "projectNamespaceCreate",
      expression:
        'request.operation == "CREATE" && variables.target == "/namespaces" && ' +
        `${label("object.metadata", LABEL_PROJECT, "== object.metadata.name")} && ` +
        `${label("object.metadata", LABEL_MANAGED_BY, `== ${cel(CONSOLE_NAMESPACE_MANAGER)}`)} && ` +
        `object.metadata.labels.all(k, k in ${celList(CONSOLE_NAMESPACE_LABEL_KEYS)}) && ` +
        "(!has(object.metadata.annotations) || size(object.metadata.annotations) == 0) && " +
        `!${reservedName("object.metadata.name", input.namespace)}`,
    },
  ];
  const policy: K8sObject = {
    apiVersion: POLICY_API_VERSION,
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: input.policyName, labels },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: { matchPolicy: "Equivalent", resourceRules: resourceRules(writes) },
      matchConditions: [
        {
          name: "console-service-account",
          expression: `request.userInfo.username == ${cel(serviceAccountUser(input.namespace, input.serviceAccount))}`,
        },
      ],
      variables,
      validations: [
        {
          expression:
            "namespaceObject == null || " +
            `(variables.target in ${celList(scopes.project)} && variables.inProject) || ` +
            `(variables.target in ${celList(scopes.own)} && variables.inOwnNamespace)`,
          messageExpression:
            `"the Skipper console may not change " + variables.target + " in namespace " + ` +
            `namespaceObject.metadata.name + ": " + (variables.target in ${celList(scopes.project)} ? ` +
            `"it writes these only in Skipper project namespaces (labelled ${LABEL_PROJECT}=<namespace> and ` +
            `${LABEL_MANAGED_BY} skipper or ${CONSOLE_NAMESPACE_MANAGER})" : ` +
            `"it writes these only in its own namespace ${input.namespace}")`,
          // Shown if the message expression itself fails.
          message: `the Skipper console may write only in Skipper project namespaces and in ${input.namespace}`,
          reason: "Forbidden",
        },
        {
          expression: "namespaceObject != null || variables.projectNamespaceCreate",
          messageExpression:
            `"the Skipper console may not " + request.operation + " " + variables.target + ` +
            `(has(request.name) && request.name != "" ? " " + request.name : "") + ": the only cluster-scoped change it may make is ` +
            `creating a project namespace labelled ${LABEL_PROJECT}=<its name> and ${LABEL_MANAGED_BY}=` +
            `${CONSOLE_NAMESPACE_MANAGER}, with no other labels than ${CONSOLE_NAMESPACE_LABEL_KEYS.join(", ")}, ` +
            "no annotations, and not named default, kube-* or the console's own namespace\"",
          message: "the Skipper console may make no cluster-scoped change but creating a labelled project namespace",
          reason: "Forbidden",
        },
      ],
    },
  };
  const binding: K8sObject = {
    apiVersion: POLICY_API_VERSION,
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: input.policyName, labels },
    spec: { policyName: input.policyName, validationActions: ["Deny"] },
  };
  return [policy, binding];
}
