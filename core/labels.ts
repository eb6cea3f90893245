/**
 * Labels on everything Skipper renders: Kubernetes' recommended `app.kubernetes.io/*` labels, `managed-by: skipper`,
 * and the project. Selectors use a stable subset only (instance and managed-by): a selector is immutable once a
 * Deployment or StatefulSet exists, so it must never contain anything a user can change (version, engine, project).
 */
import type { App, Service } from "./model.ts";

export const MANAGED_BY = "skipper";

export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_PART_OF = "app.kubernetes.io/part-of";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_VERSION = "app.kubernetes.io/version";
/** The Skipper project (= namespace) an object belongs to. */
export const LABEL_PROJECT = "skipper.dev/project";
/**
 * Annotation on stack-rendered Deployments and StatefulSets: the replicas the stack declares, so the console can show
 * them beside the current ones after a scale made in the console (which lasts until the next `pulumi up`).
 */
export const ANNOTATION_DECLARED_REPLICAS = "skipper.run/declared-replicas";
/**
 * Annotation on a stack-rendered service's StatefulSet (its metadata, never the pod template, so a change restarts
 * nothing): the apps that bind it, sorted and comma-separated (`web,worker`; empty when none does).
 */
export const ANNOTATION_BOUND_APPS = "skipper.run/bound-apps";

/** `app` for apps, `service` for stateful services. */
export type Component = "app" | "service";

export type Labels = Readonly<Record<string, string>>;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True when `value` may be a label value (at most 63 characters of alphanumerics, '-', '_', '.'). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** The selector of a workload: stable for the workload's whole life. */
export function selectorLabels(instance: string): Labels {
  return { [LABEL_INSTANCE]: instance, [LABEL_MANAGED_BY]: MANAGED_BY };
}

/** The labels of Skipper's own workloads (gateway, console, heartbeat): part of `skipper`, not of a project. */
export function platformLabels(component: string, instance: string, name: string = instance): Record<string, string> {
  return {
    [LABEL_COMPONENT]: component,
    [LABEL_INSTANCE]: instance,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_NAME]: name,
    [LABEL_PART_OF]: "skipper",
  };
}

interface LabelParts {
  readonly name: string;
  readonly instance: string;
  readonly component: Component;
  readonly project: string;
  readonly version?: string;
}

/** The full recommended label set; `version` is left out when it cannot be a label value. */
export function recommendedLabels(parts: LabelParts): Labels {
  const labels: Record<string, string> = {
    [LABEL_COMPONENT]: parts.component,
    [LABEL_INSTANCE]: parts.instance,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_NAME]: parts.name,
    [LABEL_PART_OF]: parts.project,
    [LABEL_PROJECT]: parts.project,
  };
  if (parts.version !== undefined && isLabelValue(parts.version)) labels[LABEL_VERSION] = parts.version;
  return sortedLabels(labels);
}

export function appLabels(app: App): Labels {
  return recommendedLabels({ name: app.name, instance: app.name, component: "app", project: app.project });
}

export function appSelector(app: App): Labels {
  return selectorLabels(app.name);
}

/** A service is named after its engine (`postgres`); its instance is the service's own name (`db`). */
export function serviceLabels(svc: Service): Labels {
  return recommendedLabels({
    name: svc.engine,
    instance: svc.name,
    component: "service",
    project: svc.project,
    version: svc.version,
  });
}

export function serviceSelector(svc: Service): Labels {
  return selectorLabels(svc.name);
}

export function namespaceLabels(project: string): Labels {
  return sortedLabels({ [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_PROJECT]: project });
}

/** The same labels with keys in sorted order (deterministic output). */
export function sortedLabels(record: Record<string, string>): Labels {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
