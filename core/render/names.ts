/**
 * Names of the Kubernetes objects derived from an app or a service. One place, so the renderers, the components and
 * the validator (which refuses stacks whose derived names collide) agree.
 */
import type { App, Service } from "../model.ts";

/** Secret holding an app's secret env values. */
export const appSecretName = (app: string): string => `${app}-env`;
/** Ingress for the gateway host (plain HTTP from the gateway, `web` entrypoint). */
export const gatewayIngressName = (app: string): string => app;
/** Ingress for custom domains over HTTPS (`websecure`, cert-manager certificate). */
export const domainsIngressName = (app: string): string => `${app}-domains`;
/** Ingress that answers custom domains on plain HTTP with a redirect to HTTPS. */
export const redirectIngressName = (app: string): string => `${app}-redirect`;
/** Secret where cert-manager keeps the certificate of an app's custom domains. */
export const tlsSecretName = (app: string): string => `${app}-tls`;
/** Traefik Middleware adding security headers. */
export const headersMiddlewareName = (app: string): string => `${app}-headers`;
/** Traefik Middleware redirecting HTTP to HTTPS. */
export const redirectMiddlewareName = (app: string): string => `${app}-https-redirect`;
/** Secret with a service's connection settings and password. */
export const credentialsSecretName = (svc: string): string => `${svc}-credentials`;

/** `kind/name` of every object an app renders, for collision checks. */
export function appObjectNames(app: App): string[] {
  const names = [`Deployment/${app.name}`];
  if (app.port !== undefined) names.push(`Service/${app.name}`);
  if (app.secretEnv.length > 0) names.push(`Secret/${appSecretName(app.name)}`);
  if (app.port !== undefined && (app.gatewayHost !== undefined || app.domains.length > 0)) {
    names.push(`Middleware/${headersMiddlewareName(app.name)}`);
  }
  if (app.port !== undefined && app.gatewayHost !== undefined) names.push(`Ingress/${gatewayIngressName(app.name)}`);
  if (app.port !== undefined && app.domains.length > 0) {
    names.push(
      `Ingress/${domainsIngressName(app.name)}`,
      `Ingress/${redirectIngressName(app.name)}`,
      `Middleware/${redirectMiddlewareName(app.name)}`,
      `Secret/${tlsSecretName(app.name)}`,
    );
  }
  return names;
}

/** `kind/name` of every object a service renders. */
export function serviceObjectNames(svc: Service): string[] {
  return [`StatefulSet/${svc.name}`, `Service/${svc.name}`, `Secret/${credentialsSecretName(svc.name)}`];
}
