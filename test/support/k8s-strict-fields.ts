/**
 * Strict field validation (what `kubectl apply --validate=strict` does): a field that the kind's schema does not
 * have is reported. The compiled schemas of `kubernetes-models` ignore unknown fields, so a typo such as
 * `persistentVolumeClaimRetentionPolicy` spelt wrong would pass them and be dropped silently by the API server.
 *
 * The field lists come from `kubernetes-models`' TypeScript declarations (generated from the same OpenAPI schemas),
 * read once through the TypeScript compiler API. Building that program takes a second or two; it is done lazily.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { K8sObject } from "../../core/k8s.ts";

/** `apiVersion/kind` → module path and interface, for the kinds checked strictly. */
const KINDS: Readonly<Record<string, readonly [string, string]>> = {
  "v1/Namespace": ["kubernetes-models/v1/Namespace", "INamespace"],
  "v1/Service": ["kubernetes-models/v1/Service", "IService"],
  "v1/Secret": ["kubernetes-models/v1/Secret", "ISecret"],
  "v1/ConfigMap": ["kubernetes-models/v1/ConfigMap", "IConfigMap"],
  "v1/ServiceAccount": ["kubernetes-models/v1/ServiceAccount", "IServiceAccount"],
  "v1/PersistentVolumeClaim": ["kubernetes-models/v1/PersistentVolumeClaim", "IPersistentVolumeClaim"],
  "apps/v1/Deployment": ["kubernetes-models/apps/v1/Deployment", "IDeployment"],
  "apps/v1/StatefulSet": ["kubernetes-models/apps/v1/StatefulSet", "IStatefulSet"],
  "apps/v1/DaemonSet": ["kubernetes-models/apps/v1/DaemonSet", "IDaemonSet"],
  "batch/v1/Job": ["kubernetes-models/batch/v1/Job", "IJob"],
  "batch/v1/CronJob": ["kubernetes-models/batch/v1/CronJob", "ICronJob"],
  "networking.k8s.io/v1/Ingress": ["kubernetes-models/networking.k8s.io/v1/Ingress", "IIngress"],
  "networking.k8s.io/v1/NetworkPolicy": ["kubernetes-models/networking.k8s.io/v1/NetworkPolicy", "INetworkPolicy"],
  "policy/v1/PodDisruptionBudget": ["kubernetes-models/policy/v1/PodDisruptionBudget", "IPodDisruptionBudget"],
  "rbac.authorization.k8s.io/v1/Role": ["kubernetes-models/rbac.authorization.k8s.io/v1/Role", "IRole"],
  "rbac.authorization.k8s.io/v1/RoleBinding": [
    "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding",
    "IRoleBinding",
  ],
  "rbac.authorization.k8s.io/v1/ClusterRole": [
    "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole",
    "IClusterRole",
  ],
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": [
    "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    "IClusterRoleBinding",
  ],
  "cert-manager.io/v1/ClusterIssuer": [
    "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer",
    "IClusterIssuer",
  ],
  "cert-manager.io/v1/Issuer": ["@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer", "IIssuer"],
  "cert-manager.io/v1/Certificate": ["@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate", "ICertificate"],
};

/**
 * Fields newer than the schemas `@kubernetes-models/cert-manager` was generated from (its CRDs predate cert-manager
 * 1.12), by kind. Each is documented in the cert-manager release that the add-ons pin.
 */
const NEWER_FIELDS: Readonly<Record<string, readonly RegExp[]>> = {
  // http01.ingress.ingressClassName: cert-manager ≥ 1.12 (the add-ons pin 1.17).
  "cert-manager.io/v1/ClusterIssuer": [/^spec\.acme\.solvers\[\d+\]\.http01\.ingress\.ingressClassName$/],
  "cert-manager.io/v1/Issuer": [/^spec\.acme\.solvers\[\d+\]\.http01\.ingress\.ingressClassName$/],
};

interface Loaded {
  readonly checker: ts.TypeChecker;
  readonly types: ReadonlyMap<string, ts.Type>;
}

let loaded: Loaded | undefined;

/** Compile a virtual module that names every checked interface, and keep the checker and the types. */
function load(): Loaded {
  if (loaded) return loaded;
  const here = dirname(fileURLToPath(import.meta.url));
  const virtual = join(here, "__strict_fields_virtual__.ts");
  const entries = Object.entries(KINDS);
  const source = entries
    .map(([, [mod, iface]], i) => `import type { ${iface} as T${i} } from "${mod}";\nexport type K${i} = T${i};`)
    .join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
    noEmit: true,
    skipLibCheck: true,
    noResolve: false,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    name === virtual ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtual || fileExists(name);
  const program = ts.createProgram([virtual], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(virtual)!;
  const moduleSymbol = checker.getSymbolAtLocation(file)!;
  const exports = checker.getExportsOfModule(moduleSymbol);
  const types = new Map<string, ts.Type>();
  entries.forEach(([kind], i) => {
    const sym = exports.find((s) => s.name === `K${i}`);
    if (sym) types.set(kind, checker.getDeclaredTypeOfSymbol(sym));
  });
  loaded = { checker, types };
  return loaded;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The object-like member of `type` (unions such as `T | undefined`), if exactly one. */
function objectPart(checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  const t = checker.getNonNullableType(type);
  const members = t.isUnion() ? t.types : [t];
  const objects = members.filter((m) => (m.flags & ts.TypeFlags.Object) !== 0);
  return objects.length === 1 ? objects[0] : undefined;
}

function walk(l: Loaded, value: unknown, type: ts.Type, path: string, out: string[], newer: readonly RegExp[]): void {
  const t = objectPart(l.checker, type);
  if (t === undefined) return;
  if (Array.isArray(value)) {
    if (!l.checker.isArrayType(t)) return;
    const element = l.checker.getTypeArguments(t as ts.TypeReference)[0];
    if (element) {
      value.forEach((v, i) => {
        walk(l, v, element, `${path}[${i}]`, out, newer);
      });
    }
    return;
  }
  if (!isPlainObject(value)) return;
  const index = t.getStringIndexType();
  for (const [k, v] of Object.entries(value)) {
    const prop = t.getProperty(k);
    if (prop) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const propType = decl ? l.checker.getTypeOfSymbolAtLocation(prop, decl) : undefined;
      if (propType) walk(l, v, propType, path ? `${path}.${k}` : k, out, newer);
    } else if (index) {
      walk(l, v, index, `${path}.${k}`, out, newer);
    } else {
      const field = path ? `${path}.${k}` : k;
      if (!newer.some((re) => re.test(field))) out.push(`${field} is not a field of ${typeName(l.checker, t)}`);
    }
  }
}

/** A short name for messages: the interface name, or `object` for anonymous (CRD) types. */
function typeName(checker: ts.TypeChecker, t: ts.Type): string {
  const name = checker.typeToString(t);
  return name.startsWith("{") ? "its parent object" : name;
}

/** Fields of `obj` that its kind's schema does not define (empty for kinds not listed above). */
export function strictFieldProblems(obj: K8sObject): string[] {
  const kind = `${obj.apiVersion}/${obj.kind}`;
  if (!Object.hasOwn(KINDS, kind)) return [];
  const l = load();
  const type = l.types.get(kind);
  if (!type) return [`strict field check: no type for ${kind}`];
  const out: string[] = [];
  walk(l, obj, type, "", out, NEWER_FIELDS[kind] ?? []);
  return out;
}
