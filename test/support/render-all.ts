/**
 * Render every object of a validated stack the way the components do (namespaces, services with their credentials,
 * apps with their secret env, add-ons), with placeholder secret values. For tests of the renderers as a whole.
 */
import type { K8sObject } from "../../core/k8s.ts";
import type { Stack } from "../../core/model.ts";
import { renderAddons } from "../../core/render/addons.ts";
import { renderApp, renderAppSecret } from "../../core/render/app.ts";
import { renderNamespace } from "../../core/render/namespace.ts";
import {
  boundAppNames,
  K3S_STORAGE_CLASS,
  renderService,
  renderServiceCredentials,
} from "../../core/render/service.ts";

export const PLACEHOLDER = "<secret>";

export function renderAll(stack: Stack): K8sObject[] {
  return [
    ...stack.projects.map(renderNamespace),
    ...stack.services.flatMap((s) => [
      renderServiceCredentials(s, PLACEHOLDER),
      ...renderService(s, K3S_STORAGE_CLASS, boundAppNames(s, stack.apps)),
    ]),
    ...stack.apps.flatMap((a) => [
      ...(a.secretEnv.length > 0
        ? [renderAppSecret(a, Object.fromEntries(a.secretEnv.map((n) => [n, PLACEHOLDER])))]
        : []),
      ...renderApp(a, stack),
    ]),
    ...renderAddons(stack),
  ];
}
