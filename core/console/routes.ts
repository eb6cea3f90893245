/**
 * Every host routed by an Ingress, the app behind it and the state of its TLS: served by the gateway's wildcard
 * certificate, a certificate in a Secret (ready until `notAfter`, or expired), still being issued, or none.
 */
import { X509Certificate } from "node:crypto";
import type { V1Ingress, V1Secret } from "@kubernetes/client-node";
import type { RouteView } from "./api.ts";

type Tls = RouteView["tls"];

/** The TLS state of a certificate Secret (or its absence). */
export function certificateState(secretName: string, secret: V1Secret | undefined, now = new Date()): Tls {
  const pem = secret?.data?.["tls.crt"];
  if (pem === undefined) return { state: "pending", secretName };
  try {
    const cert = new X509Certificate(Buffer.from(pem, "base64"));
    const notAfter = new Date(cert.validTo);
    return { state: notAfter < now ? "expired" : "ready", secretName, notAfter: notAfter.toISOString() };
  } catch {
    return { state: "pending", secretName };
  }
}

export interface RouteCandidate {
  readonly host: string;
  readonly path: string;
  readonly project: string;
  readonly app: string;
  /** The Secret of the certificate, when the Ingress asks for TLS on this host. */
  readonly tlsSecret?: string;
}

/** Host, path and backend of every rule, deduplicated by host and path (a rule with TLS wins). */
export function routeCandidates(ingresses: readonly V1Ingress[]): RouteCandidate[] {
  const byKey = new Map<string, RouteCandidate>();
  for (const ing of ingresses) {
    const project = ing.metadata?.namespace ?? "";
    for (const rule of ing.spec?.rules ?? []) {
      const host = rule.host;
      if (host === undefined) continue;
      const tlsSecret = ing.spec?.tls?.find((t) => t.hosts?.includes(host))?.secretName;
      for (const p of rule.http?.paths ?? []) {
        const app = p.backend.service?.name;
        if (app === undefined) continue;
        const path = p.path ?? "/";
        const key = `${host}${path}`;
        const seen = byKey.get(key);
        if (seen !== undefined && (seen.tlsSecret !== undefined || tlsSecret === undefined)) continue;
        byKey.set(key, { host, path, project, app, ...(tlsSecret !== undefined && { tlsSecret }) });
      }
    }
  }
  return [...byKey.values()].sort((a, b) => `${a.host}${a.path}`.localeCompare(`${b.host}${b.path}`));
}

export function routeView(c: RouteCandidate, tls: Tls): RouteView {
  const path = c.path === "/" ? "" : c.path;
  return { host: c.host, url: `https://${c.host}${path}`, project: c.project, app: c.app, path: c.path, tls };
}

/** TLS of a host without a certificate Secret: the gateway's when under its domain, else none. */
export function tlsWithoutSecret(host: string, gatewayDomain: string | undefined): Tls {
  if (gatewayDomain !== undefined && host.toLowerCase().endsWith(`.${gatewayDomain}`)) return { state: "gateway" };
  return { state: "none" };
}
