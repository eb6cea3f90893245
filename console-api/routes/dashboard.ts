/**
 * `GET /api/v1/dashboard`: nodes (capacity, allocatable, usage when metrics-server answers), the health of the apps
 * and services of the user's projects, and their pods' recent failures with what to do about each.
 */
import type { FastifyInstance } from "fastify";
import { dashboardSchema } from "../../core/console/api.ts";
import { nodeView } from "../../core/console/nodes.ts";
import { appView, health, NO_URLS, PodIndex, serviceView, workloadFailures } from "../../core/console/workloads.ts";
import { visibleProjects } from "../access.ts";
import { userOf } from "../context.ts";
import { replies } from "./schemas.ts";

const MAX_FAILURES = 50;

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.console;
  app.get("/dashboard", { schema: { response: replies(dashboardSchema) } }, async (request) => {
    const user = userOf(request);
    const { cluster } = ctx;
    const [projects, nodes, usage, deployments, statefulSets, pods, events] = await Promise.all([
      visibleProjects(ctx, user),
      cluster.nodes(),
      cluster.nodeMetrics(),
      cluster.deployments(),
      cluster.statefulSets(),
      cluster.pods(),
      cluster.events(),
    ]);
    const mine = new Set(projects.map((ns) => ns.metadata?.name));
    const inMine = <T extends { metadata?: { namespace?: string } }>(list: readonly T[]) =>
      list.filter((o) => mine.has(o.metadata?.namespace));
    const index = new PodIndex(inMine(pods));
    const myEvents = inMine(events);
    const apps = inMine(deployments);
    const services = inMine(statefulSets);
    const failures = workloadFailures(apps, services, index, myEvents, ctx.settings.stackFile);
    failures.sort((a, b) => (b.since ?? "").localeCompare(a.since ?? ""));
    return {
      metricsAvailable: usage !== undefined,
      nodes: nodes.map((n) => nodeView(n, usage)).sort((a, b) => a.name.localeCompare(b.name)),
      workloads: {
        apps: health(apps.map((d) => appView(d, index, NO_URLS, myEvents).state)),
        services: health(services.map((s) => serviceView(s, index, myEvents).state)),
      },
      failures: failures.slice(0, MAX_FAILURES),
    };
  });
}
