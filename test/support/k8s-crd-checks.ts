/**
 * Schema checks for the custom kinds Skipper renders whose CRDs ship with k3s or Traefik and have no model package:
 * k3s's `helm.cattle.io/v1` HelmChart and HelmChartConfig, and Traefik's `traefik.io/v1alpha1` Middleware. Written
 * from the CRDs' documented fields; unknown fields are refused (the API server prunes them silently, which is worse).
 */
import type { K8sObject } from "../../core/k8s.ts";

type Schema =
  | "string"
  | "boolean"
  | "integer"
  | "any"
  | { readonly enum: readonly string[] }
  | { readonly array: Schema }
  | { readonly map: Schema }
  | { readonly object: Readonly<Record<string, Schema>>; readonly required?: readonly string[] };

const STRINGS: Schema = { array: "string" };

const HELM_CHART_SPEC: Schema = {
  object: {
    chart: "string",
    repo: "string",
    version: "string",
    targetNamespace: "string",
    createNamespace: "boolean",
    valuesContent: "string",
    set: { map: "any" },
    helmVersion: "string",
    bootstrap: "boolean",
    jobImage: "string",
    timeout: "string",
    chartContent: "string",
    repoCA: "string",
    repoCAConfigMap: { object: { name: "string" } },
    authSecret: { object: { name: "string" } },
    authPassCredentials: "boolean",
    dockerRegistrySecret: { object: { name: "string" } },
    insecureSkipTLSVerify: "boolean",
    plainHTTP: "boolean",
    failurePolicy: { enum: ["abort", "reinstall"] },
    backOffLimit: "integer",
    podSecurityContext: "any",
    securityContext: "any",
  },
  required: ["chart"],
};

const HELM_CHART_CONFIG_SPEC: Schema = {
  object: { valuesContent: "string", failurePolicy: { enum: ["abort", "reinstall"] } },
  required: ["valuesContent"],
};

/** Traefik middleware kinds and, for the ones Skipper renders, their fields. */
const MIDDLEWARES: Readonly<Record<string, Schema>> = {
  headers: {
    object: {
      customRequestHeaders: { map: "string" },
      customResponseHeaders: { map: "string" },
      accessControlAllowCredentials: "boolean",
      accessControlAllowHeaders: STRINGS,
      accessControlAllowMethods: STRINGS,
      accessControlAllowOriginList: STRINGS,
      accessControlAllowOriginListRegex: STRINGS,
      accessControlExposeHeaders: STRINGS,
      accessControlMaxAge: "integer",
      addVaryHeader: "boolean",
      allowedHosts: STRINGS,
      hostsProxyHeaders: STRINGS,
      sslProxyHeaders: { map: "string" },
      stsSeconds: "integer",
      stsIncludeSubdomains: "boolean",
      stsPreload: "boolean",
      forceSTSHeader: "boolean",
      frameDeny: "boolean",
      customFrameOptionsValue: "string",
      contentTypeNosniff: "boolean",
      browserXssFilter: "boolean",
      customBrowserXSSValue: "string",
      contentSecurityPolicy: "string",
      contentSecurityPolicyReportOnly: "string",
      publicKey: "string",
      referrerPolicy: "string",
      permissionsPolicy: "string",
      isDevelopment: "boolean",
    },
  },
  redirectScheme: { object: { scheme: "string", port: "string", permanent: "boolean" }, required: ["scheme"] },
  redirectRegex: {
    object: { regex: "string", replacement: "string", permanent: "boolean" },
    required: ["regex", "replacement"],
  },
  stripPrefix: { object: { prefixes: STRINGS, forceSlash: "boolean" } },
  addPrefix: { object: { prefix: "string" } },
  basicAuth: "any",
  digestAuth: "any",
  forwardAuth: "any",
  rateLimit: "any",
  inFlightReq: "any",
  ipAllowList: "any",
  ipWhiteList: "any",
  chain: "any",
  compress: "any",
  buffering: "any",
  retry: "any",
  replacePath: "any",
  replacePathRegex: "any",
  stripPrefixRegex: "any",
  circuitBreaker: "any",
  errors: "any",
  passTLSClientCert: "any",
  contentType: "any",
  grpcWeb: "any",
  plugin: "any",
};

const KINDS: Readonly<Record<string, (spec: unknown) => string[]>> = {
  "helm.cattle.io/v1/HelmChart": (spec) => check(spec, HELM_CHART_SPEC, "spec"),
  "helm.cattle.io/v1/HelmChartConfig": (spec) => check(spec, HELM_CHART_CONFIG_SPEC, "spec"),
  "traefik.io/v1alpha1/Middleware": middlewareProblems,
};

export function isKnownCrd(obj: K8sObject): boolean {
  return Object.hasOwn(KINDS, `${obj.apiVersion}/${obj.kind}`);
}

export function crdProblems(obj: K8sObject): string[] {
  const checker = KINDS[`${obj.apiVersion}/${obj.kind}`];
  if (!checker) return [`no schema for ${obj.apiVersion}/${obj.kind}`];
  const out: string[] = [];
  for (const k of Object.keys(obj)) {
    if (!["apiVersion", "kind", "metadata", "spec"].includes(k)) out.push(`unknown top-level field ${k}`);
  }
  return [...out, ...checker(obj["spec"])];
}

function middlewareProblems(spec: unknown): string[] {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return ["spec must be an object"];
  const keys = Object.keys(spec);
  if (keys.length !== 1) return [`spec must configure exactly one middleware, got ${keys.length} (${keys.join(", ")})`];
  const kind = keys[0]!;
  const schema = MIDDLEWARES[kind];
  if (!schema) return [`spec.${kind} is not a Traefik middleware`];
  return check((spec as Record<string, unknown>)[kind], schema, `spec.${kind}`);
}

function check(value: unknown, schema: Schema, path: string): string[] {
  if (schema === "any") return [];
  if (schema === "string") return typeof value === "string" ? [] : [`${path} must be a string`];
  if (schema === "boolean") return typeof value === "boolean" ? [] : [`${path} must be a boolean`];
  if (schema === "integer") return Number.isInteger(value) ? [] : [`${path} must be an integer`];
  if ("enum" in schema)
    return schema.enum.includes(value as string) ? [] : [`${path} must be one of ${schema.enum.join(", ")}`];
  if ("array" in schema) {
    if (!Array.isArray(value)) return [`${path} must be a list`];
    return value.flatMap((v, i) => check(v, schema.array, `${path}[${i}]`));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${path} must be an object`];
  const rec = value as Record<string, unknown>;
  if ("map" in schema) return Object.entries(rec).flatMap(([k, v]) => check(v, schema.map, `${path}.${k}`));
  const out: string[] = [];
  for (const r of schema.required ?? []) if (rec[r] === undefined) out.push(`${path}.${r} is required`);
  for (const [k, v] of Object.entries(rec)) {
    const field = schema.object[k];
    if (field === undefined) out.push(`${path}.${k} is not a known field`);
    else out.push(...check(v, field, `${path}.${k}`));
  }
  return out;
}
