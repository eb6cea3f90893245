/**
 * Validation of rendered Kubernetes objects, standing in for an API server we cannot run here:
 *
 * (a) each object against the Kubernetes OpenAPI schemas (`kubernetes-models`, cert-manager's from
 *     `@kubernetes-models/cert-manager`; hand-written checks for the k3s `helm.cattle.io` and Traefik `traefik.io`
 *     kinds), plus fields the schemas do not know (see `k8s-strict-fields.ts`); an unknown kind is a problem;
 * (b) the cross-object mistakes that break a cluster while every object is valid on its own: selectors that miss
 *     their templates, Services that select nothing or target a port no container has, Ingress backends and TLS
 *     secrets that do not exist, two Ingresses claiming one host and path, StatefulSets without a headless governing Service, secret/config references to
 *     missing objects or keys, namespaces never created, duplicates, names Kubernetes refuses.
 *
 * `validateObjects` returns the problems as sentences (`Deployment main/web: …`); an empty list means all is well.
 */
import type { K8sObject } from "../../core/k8s.ts";
import { crdProblems, isKnownCrd } from "./k8s-crd-checks.ts";
import { schemaProblems } from "./k8s-schemas.ts";
import { strictFieldProblems } from "./k8s-strict-fields.ts";

/** Namespaces that exist in every k3s cluster. */
const BUILTIN_NAMESPACES: ReadonlySet<string> = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "ClusterIssuer",
  "PersistentVolume",
  "StorageClass",
  "IngressClass",
  "PriorityClass",
  "CustomResourceDefinition",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
]);
/** Kinds whose names must be DNS-1123 labels (they become DNS names or label values); others are subdomains. */
const LABEL_NAMED: ReadonlySet<string> = new Set(["Namespace", "Service"]);
const WORKLOAD_KINDS: ReadonlySet<string> = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
]);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function rec(v: unknown): Rec {
  return isRec(v) ? v : {};
}
function list(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRec) : [];
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec(v))) if (typeof val === "string") out[k] = val;
  return out;
}

export function describe(obj: K8sObject): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind} ${ns ? `${ns}/` : ""}${obj.metadata?.name}`;
}

/** A pod template found in a workload, with where it lives. */
interface PodTemplate {
  readonly owner: K8sObject;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: Rec;
}

/** Everything the cross-object checks look things up in. */
class Index {
  readonly byKey = new Map<string, K8sObject>();
  readonly namespaces = new Set<string>(BUILTIN_NAMESPACES);
  readonly pods: PodTemplate[] = [];

  constructor(objects: readonly K8sObject[]) {
    for (const o of objects) {
      this.byKey.set(key(o.kind, o.metadata?.namespace, o.metadata?.name), o);
      if (o.kind === "Namespace" && o.metadata?.name) this.namespaces.add(o.metadata.name);
      // A k3s HelmChart with createNamespace creates its target namespace.
      const spec = rec(o["spec"]);
      if (o.kind === "HelmChart" && spec["createNamespace"] === true && str(spec["targetNamespace"])) {
        this.namespaces.add(spec["targetNamespace"] as string);
      }
      const template = podTemplateOf(o);
      if (template) {
        this.pods.push({
          owner: o,
          namespace: o.metadata?.namespace ?? "default",
          labels: strMap(rec(template["metadata"])["labels"]),
          spec: rec(template["spec"]),
        });
      }
    }
  }

  get(kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
    return this.byKey.get(key(kind, namespace, name));
  }
}

function key(kind: string, namespace: string | undefined, name: string | undefined): string {
  return `${kind}/${namespace ?? ""}/${name ?? ""}`;
}

function podTemplateOf(o: K8sObject): Rec | undefined {
  if (!WORKLOAD_KINDS.has(o.kind)) return undefined;
  const spec = rec(o["spec"]);
  if (o.kind === "CronJob") return rec(rec(rec(spec["jobTemplate"])["spec"])["template"]);
  return isRec(spec["template"]) ? spec["template"] : undefined;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function containersOf(spec: Rec): Rec[] {
  return [...list(spec["initContainers"]), ...list(spec["containers"])];
}

// --- (a) per object ----------------------------------------------------------------------------------------------------

function objectProblems(o: K8sObject): string[] {
  const problems: string[] = [];
  const where = describe(o);
  if (!isRec(o) || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || !isRec(o.metadata)) {
    return [`${String((o as Rec)?.["kind"])}: not an object with apiVersion, kind and metadata`];
  }
  const name = o.metadata.name;
  if (typeof name !== "string" || name === "") problems.push(`${where}: metadata.name is missing`);
  else if (LABEL_NAMED.has(o.kind) && !(DNS_LABEL.test(name) && name.length <= 63)) {
    problems.push(`${where}: name must be a DNS-1123 label (at most 63 of a-z, 0-9, '-')`);
  } else if (!(DNS_SUBDOMAIN.test(name) && name.length <= 253)) {
    problems.push(`${where}: name must be a DNS-1123 subdomain`);
  } else if (o.kind === "StatefulSet" && name.length > 52) {
    problems.push(`${where}: name longer than 52 characters breaks the pods' controller-revision-hash label`);
  }
  if (CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== undefined) {
    problems.push(`${where}: is cluster-scoped but has a namespace`);
  }
  if (!CLUSTER_SCOPED.has(o.kind) && !o.metadata.namespace) {
    problems.push(`${where}: namespaced kind without metadata.namespace (it would land wherever the client points)`);
  }
  problems.push(...labelProblems(where, "metadata.labels", o.metadata.labels));
  for (const [k, v] of Object.entries(o.metadata.annotations ?? {})) {
    if (typeof v !== "string") problems.push(`${where}: annotation ${k} must be a string`);
  }
  if (isKnownCrd(o)) problems.push(...crdProblems(o).map((p) => `${where}: ${p}`));
  else {
    const schema = schemaProblems(o);
    if (schema === undefined) problems.push(`${where}: unknown kind ${o.apiVersion}/${o.kind} (no schema to check it)`);
    else problems.push(...schema.map((p) => `${where}: schema: ${p}`));
    problems.push(...strictFieldProblems(o).map((p) => `${where}: ${p}`));
  }
  const template = podTemplateOf(o);
  if (template) problems.push(...podProblems(where, o, template));
  return problems;
}

function labelProblems(where: string, field: string, labels: unknown): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(rec(labels))) {
    const [prefix, n] = k.includes("/") ? [k.slice(0, k.indexOf("/")), k.slice(k.indexOf("/") + 1)] : [undefined, k];
    if ((prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)) || n.length > 63 || !QUALIFIED_NAME.test(n)) {
      out.push(`${where}: ${field} key '${k}' is not a valid label key`);
    }
    if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
      out.push(`${where}: ${field}['${k}'] value ${JSON.stringify(v)} is not a valid label value`);
    }
  }
  return out;
}

/** Selector vs template labels, and what must be unique or resolvable inside one pod spec. */
function podProblems(where: string, o: K8sObject, template: Rec): string[] {
  const out: string[] = [];
  const labels = strMap(rec(template["metadata"])["labels"]);
  out.push(...labelProblems(where, "pod template labels", rec(template["metadata"])["labels"]));
  if (o.kind !== "Job" && o.kind !== "CronJob") {
    const selector = rec(rec(o["spec"])["selector"]);
    const matchLabels = strMap(selector["matchLabels"]);
    if (Object.keys(matchLabels).length === 0 && list(selector["matchExpressions"]).length === 0) {
      out.push(`${where}: spec.selector is empty`);
    } else if (!matches(matchLabels, labels)) {
      out.push(
        `${where}: spec.selector.matchLabels ${JSON.stringify(matchLabels)} does not match the pod template labels`,
      );
    }
  }
  const spec = rec(template["spec"]);
  const containers = containersOf(spec);
  if (list(spec["containers"]).length === 0) out.push(`${where}: pod template has no containers`);
  const volumes = new Set([
    ...list(spec["volumes"]).map((v) => str(v["name"])),
    ...list(rec(o["spec"])["volumeClaimTemplates"]).map((t) => str(rec(t["metadata"])["name"])),
  ]);
  const seenContainers = new Set<string>();
  for (const c of containers) {
    const cname = str(c["name"]) ?? "?";
    if (seenContainers.has(cname)) out.push(`${where}: container name '${cname}' is used twice`);
    seenContainers.add(cname);
    const at = `${where}: container ${cname}`;
    const envNames = new Set<string>();
    for (const e of list(c["env"])) {
      const n = str(e["name"]) ?? "";
      if (envNames.has(n)) out.push(`${at}: env var ${n} is set twice (the last one silently wins)`);
      envNames.add(n);
      if ("value" in e && "valueFrom" in e) out.push(`${at}: env var ${n} has both value and valueFrom`);
    }
    const portNames = new Set<string>();
    const portNumbers = new Set<number>();
    for (const p of list(c["ports"])) {
      const pn = str(p["name"]);
      if (pn !== undefined) {
        if (pn.length > 15 || !IANA_SVC_NAME.test(pn))
          out.push(`${at}: port name '${pn}' is not an IANA service name (≤15 chars, a-z0-9-)`);
        if (portNames.has(pn)) out.push(`${at}: port name '${pn}' is used twice`);
        portNames.add(pn);
      }
      if (typeof p["containerPort"] === "number") portNumbers.add(p["containerPort"]);
    }
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
      const pr = rec(c[probe]);
      for (const handler of ["httpGet", "tcpSocket", "grpc"]) {
        const port = rec(pr[handler])["port"];
        if (typeof port === "string" && !portNames.has(port)) {
          out.push(`${at}: ${probe}.${handler}.port '${port}' names no port of this container`);
        }
      }
    }
    for (const m of list(c["volumeMounts"])) {
      if (!volumes.has(str(m["name"])))
        out.push(`${at}: volumeMount '${String(m["name"])}' names no volume or claim template`);
    }
  }
  return out;
}

// --- (b) across objects ---------------------------------------------------------------------------------------------------

function crossProblems(objects: readonly K8sObject[], idx: Index): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const o of objects) {
    const k = key(o.kind, o.metadata?.namespace, o.metadata?.name);
    if (seen.has(k)) out.push(`${describe(o)}: rendered twice (kind/namespace/name must be unique)`);
    seen.add(k);
    const ns = o.metadata?.namespace;
    if (ns !== undefined && !idx.namespaces.has(ns)) {
      out.push(`${describe(o)}: namespace '${ns}' is neither rendered nor built in`);
    }
    if (o.kind === "Service") out.push(...serviceProblems(o, idx));
    if (o.kind === "StatefulSet") out.push(...statefulSetProblems(o, idx));
    if (o.kind === "Ingress") out.push(...ingressProblems(o, idx));
  }
  for (const pod of idx.pods) out.push(...referenceProblems(pod, idx));
  out.push(...routeConflicts(objects));
  return out;
}

const ENTRYPOINTS = "traefik.ingress.kubernetes.io/router.entrypoints";

/**
 * Two Ingresses routing the same host and path on a shared Traefik entry point fight over it (Traefik picks one
 * silently). Ingresses without the entry point annotation listen on every entry point.
 */
function routeConflicts(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, { who: string; entrypoints: Set<string> | "all" }>();
  for (const ing of objects.filter((o) => o.kind === "Ingress")) {
    const annotation = ing.metadata.annotations?.[ENTRYPOINTS];
    const entrypoints = annotation ? new Set(annotation.split(",").map((e) => e.trim())) : ("all" as const);
    for (const r of list(rec(ing["spec"])["rules"])) {
      const host = str(r["host"]) ?? "*";
      if (host !== "*" && !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(host)) {
        out.push(`${describe(ing)}: rule host '${host}' is not a valid DNS name`);
      }
      for (const p of list(rec(r["http"])["paths"])) {
        const k = `${host} ${String(p["path"] ?? "/")}`;
        const first = seen.get(k);
        const overlap =
          first !== undefined &&
          (first.entrypoints === "all" ||
            entrypoints === "all" ||
            [...entrypoints].some((e) => (first.entrypoints as Set<string>).has(e)));
        if (overlap) out.push(`${describe(ing)}: routes ${k} on an entry point that ${first.who} already routes`);
        else if (first === undefined) seen.set(k, { who: describe(ing), entrypoints });
      }
    }
  }
  return out;
}

function serviceProblems(svc: K8sObject, idx: Index): string[] {
  const spec = rec(svc["spec"]);
  const where = describe(svc);
  if (spec["type"] === "ExternalName") return [];
  const selector = strMap(spec["selector"]);
  if (Object.keys(selector).length === 0) return []; // endpoints managed by hand
  const ns = svc.metadata.namespace;
  const pods = idx.pods.filter((p) => p.namespace === ns && matches(selector, p.labels));
  if (pods.length === 0) return [`${where}: selector ${JSON.stringify(selector)} matches no workload's pods in ${ns}`];
  const out: string[] = [];
  if (pods.length > 1) {
    const owners = pods.map((p) => describe(p.owner)).join(", ");
    out.push(`${where}: selector ${JSON.stringify(selector)} matches the pods of several workloads (${owners})`);
  }
  for (const port of list(spec["ports"])) {
    const target = port["targetPort"] ?? port["port"];
    const found = pods.some((p) =>
      containersOf(p.spec).some((c) =>
        list(c["ports"]).some((cp) =>
          typeof target === "string" ? cp["name"] === target : cp["containerPort"] === target,
        ),
      ),
    );
    if (!found) {
      out.push(
        `${where}: port ${String(port["name"] ?? port["port"])} targets ${JSON.stringify(target)}, which no selected container exposes`,
      );
    }
  }
  return out;
}

function statefulSetProblems(sts: K8sObject, idx: Index): string[] {
  const serviceName = str(rec(sts["spec"])["serviceName"]);
  const where = describe(sts);
  if (!serviceName) return [`${where}: spec.serviceName is missing (a StatefulSet needs a governing Service)`];
  const svc = idx.get("Service", sts.metadata.namespace, serviceName);
  if (!svc) return [`${where}: serviceName '${serviceName}' names no Service in ${sts.metadata.namespace}`];
  if (rec(svc["spec"])["clusterIP"] !== "None")
    return [`${where}: governing Service '${serviceName}' is not headless (clusterIP: None)`];
  return [];
}

function ingressProblems(ing: K8sObject, idx: Index): string[] {
  const out: string[] = [];
  const where = describe(ing);
  const ns = ing.metadata.namespace;
  const spec = rec(ing["spec"]);
  const annotations = ing.metadata.annotations ?? {};
  const backends: Rec[] = [];
  if (isRec(spec["defaultBackend"])) backends.push(spec["defaultBackend"]);
  const hosts = new Set<string>();
  for (const r of list(spec["rules"])) {
    if (str(r["host"])) hosts.add(r["host"] as string);
    for (const p of list(rec(r["http"])["paths"])) backends.push(rec(p["backend"]));
  }
  for (const b of backends) {
    const s = rec(b["service"]);
    const name = str(s["name"]);
    if (!name) continue;
    const svc = idx.get("Service", ns, name);
    if (!svc) {
      out.push(`${where}: backend Service '${name}' does not exist in ${ns}`);
      continue;
    }
    const port = rec(s["port"]);
    const ok = list(rec(svc["spec"])["ports"]).some((sp) =>
      port["name"] !== undefined ? sp["name"] === port["name"] : sp["port"] === port["number"],
    );
    if (!ok)
      out.push(`${where}: backend Service '${name}' has no port ${JSON.stringify(port["name"] ?? port["number"])}`);
  }
  const issuer = annotations["cert-manager.io/cluster-issuer"];
  if (issuer !== undefined && !idx.get("ClusterIssuer", undefined, issuer)) {
    out.push(`${where}: cert-manager.io/cluster-issuer '${issuer}' names no rendered ClusterIssuer`);
  }
  const nsIssuer = annotations["cert-manager.io/issuer"];
  if (nsIssuer !== undefined && !idx.get("Issuer", ns, nsIssuer)) {
    out.push(`${where}: cert-manager.io/issuer '${nsIssuer}' names no rendered Issuer in ${ns}`);
  }
  for (const t of list(spec["tls"])) {
    const secretName = str(t["secretName"]);
    for (const h of Array.isArray(t["hosts"]) ? t["hosts"] : []) {
      if (!hosts.has(h)) out.push(`${where}: TLS host ${h} has no rule`);
    }
    // A cert-manager Certificate in the namespace that writes this secret issues it too.
    const certified = [...idx.byKey.values()].some(
      (c) => c.kind === "Certificate" && c.metadata?.namespace === ns && rec(c["spec"])["secretName"] === secretName,
    );
    if (
      secretName &&
      !idx.get("Secret", ns, secretName) &&
      issuer === undefined &&
      nsIssuer === undefined &&
      !certified
    ) {
      out.push(`${where}: TLS secret '${secretName}' is neither rendered nor issued by cert-manager`);
    }
  }
  const middlewares = annotations["traefik.ingress.kubernetes.io/router.middlewares"];
  for (const ref of middlewares ? middlewares.split(",").map((m) => m.trim()) : []) {
    const m = /^(.+)@kubernetescrd$/.exec(ref);
    if (!m) continue; // other providers (file, docker) are outside what we render
    const found = [...idx.byKey.values()].find(
      (o) => o.kind === "Middleware" && `${o.metadata.namespace}-${o.metadata.name}` === m[1],
    );
    if (!found) out.push(`${where}: middleware '${ref}' names no rendered Middleware`);
    else if (found.metadata.namespace !== ns) {
      out.push(`${where}: middleware '${ref}' lives in another namespace (Traefik refuses cross-namespace references)`);
    }
  }
  return out;
}

/** Secret and ConfigMap references of one pod template resolve to rendered objects and keys. */
function referenceProblems(pod: PodTemplate, idx: Index): string[] {
  const out: string[] = [];
  const where = describe(pod.owner);
  const check = (kind: "Secret" | "ConfigMap", name: unknown, keyName: unknown, optional: unknown, what: string) => {
    if (optional === true || typeof name !== "string") return;
    const target = idx.get(kind, pod.namespace, name);
    if (!target) {
      out.push(`${where}: ${what} names ${kind} '${name}', which is not rendered in ${pod.namespace}`);
      return;
    }
    if (typeof keyName === "string") {
      const keys = new Set([...Object.keys(rec(target["data"])), ...Object.keys(rec(target["stringData"]))]);
      if (kind === "ConfigMap") for (const k of Object.keys(rec(target["binaryData"]))) keys.add(k);
      if (!keys.has(keyName)) out.push(`${where}: ${what} reads key '${keyName}' that ${kind} '${name}' does not have`);
    }
  };
  for (const c of containersOf(pod.spec)) {
    for (const e of list(c["env"])) {
      const from = rec(e["valueFrom"]);
      const s = rec(from["secretKeyRef"]);
      if (isRec(from["secretKeyRef"])) check("Secret", s["name"], s["key"], s["optional"], `env ${String(e["name"])}`);
      const cm = rec(from["configMapKeyRef"]);
      if (isRec(from["configMapKeyRef"]))
        check("ConfigMap", cm["name"], cm["key"], cm["optional"], `env ${String(e["name"])}`);
    }
    for (const ef of list(c["envFrom"])) {
      if (isRec(ef["secretRef"]))
        check("Secret", ef["secretRef"]["name"], undefined, ef["secretRef"]["optional"], "envFrom");
      if (isRec(ef["configMapRef"])) {
        check("ConfigMap", ef["configMapRef"]["name"], undefined, ef["configMapRef"]["optional"], "envFrom");
      }
    }
  }
  for (const v of list(pod.spec["volumes"])) {
    const s = rec(v["secret"]);
    if (isRec(v["secret"])) {
      check("Secret", s["secretName"], undefined, s["optional"], `volume ${String(v["name"])}`);
      for (const item of list(s["items"]))
        check("Secret", s["secretName"], item["key"], s["optional"], `volume ${String(v["name"])}`);
    }
    const cm = rec(v["configMap"]);
    if (isRec(v["configMap"])) {
      check("ConfigMap", cm["name"], undefined, cm["optional"], `volume ${String(v["name"])}`);
      for (const item of list(cm["items"]))
        check("ConfigMap", cm["name"], item["key"], cm["optional"], `volume ${String(v["name"])}`);
    }
  }
  for (const ps of list(pod.spec["imagePullSecrets"]))
    check("Secret", ps["name"], undefined, false, "imagePullSecrets");
  const sa = str(pod.spec["serviceAccountName"]);
  if (sa && sa !== "default" && !idx.get("ServiceAccount", pod.namespace, sa)) {
    out.push(`${where}: serviceAccountName '${sa}' is not rendered in ${pod.namespace}`);
  }
  return out;
}

/** Every problem of `objects`, schema and cross-object; empty when they would apply cleanly together. */
export function validateObjects(objects: readonly K8sObject[]): string[] {
  const idx = new Index(objects);
  return [...objects.flatMap(objectProblems), ...crossProblems(objects, idx)];
}
