/**
 * `kip logs APP`: find the app's Deployment (or a service's StatefulSet) by name, in `--project` or in the one
 * namespace that has it, and print its pods' logs through the Kubernetes API: the last `--tail` lines of each pod,
 * or with `--follow` the live stream of every pod until Ctrl-C. Lines are prefixed with the pod's name when there
 * are several pods.
 */
import { Writable } from "node:stream";
import { AppsV1Api, CoreV1Api, type KubeConfig, Log, type V1Pod } from "@kubernetes/client-node";
import { apiError } from "./cluster.ts";

export interface LogsOptions {
  readonly app: string;
  readonly project?: string;
  readonly tail?: number;
  readonly follow?: boolean;
  readonly container?: string;
  readonly previous?: boolean;
  /** Where lines go. @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** Stops a follow (Ctrl-C in the CLI); the streams stay open, so the caller then ends the process. */
  readonly signal?: AbortSignal;
}

interface Target {
  readonly namespace: string;
  readonly selector: Record<string, string>;
}

async function findWorkload(kc: KubeConfig, app: string, project: string | undefined): Promise<Target> {
  const apps = kc.makeApiClient(AppsV1Api);
  const server = kc.getCurrentCluster()?.server;
  let found: { namespace: string; selector: Record<string, string> }[];
  try {
    const [deployments, statefulSets] = await Promise.all([
      project ? apps.listNamespacedDeployment({ namespace: project }) : apps.listDeploymentForAllNamespaces(),
      project ? apps.listNamespacedStatefulSet({ namespace: project }) : apps.listStatefulSetForAllNamespaces(),
    ]);
    found = [...deployments.items, ...statefulSets.items]
      .filter((w) => w.metadata?.name === app)
      .map((w) => ({ namespace: w.metadata?.namespace ?? "", selector: w.spec?.selector?.matchLabels ?? {} }));
  } catch (err) {
    throw apiError(err, server);
  }
  if (found.length === 0) {
    throw new Error(
      `no app or service named '${app}'${project ? ` in project '${project}'` : ""}; kip status lists them`,
    );
  }
  const namespaces = [...new Set(found.map((f) => f.namespace))].sort();
  if (namespaces.length > 1) {
    throw new Error(`'${app}' exists in several projects (${namespaces.join(", ")}); choose one with --project`);
  }
  return found[0] as Target;
}

function prefixer(out: NodeJS.WritableStream, prefix: string): Writable {
  let partial = "";
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = partial + chunk.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) out.write(`${prefix}${l}\n`);
      done();
    },
    final(done) {
      if (partial) out.write(`${prefix}${partial}\n`);
      done();
    },
  });
}

export async function showLogs(kc: KubeConfig, opts: LogsOptions): Promise<void> {
  const out = opts.out ?? process.stdout;
  const target = await findWorkload(kc, opts.app, opts.project);
  const core = kc.makeApiClient(CoreV1Api);
  const labelSelector = Object.entries(target.selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  if (!labelSelector) throw new Error(`'${opts.app}' has no label selector; kip cannot tell which pods are its own`);
  let pods: V1Pod[];
  try {
    pods = (await core.listNamespacedPod({ namespace: target.namespace, labelSelector })).items;
  } catch (err) {
    throw apiError(err, kc.getCurrentCluster()?.server);
  }
  pods.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  if (pods.length === 0) throw new Error(`'${opts.app}' in project '${target.namespace}' has no pods (scaled to 0?)`);
  const container = (p: V1Pod): string => {
    const names = (p.spec?.containers ?? []).map((c) => c.name);
    if (opts.container) {
      if (!names.includes(opts.container)) {
        throw new Error(`pod ${p.metadata?.name} has no container '${opts.container}' (it has ${names.join(", ")})`);
      }
      return opts.container;
    }
    return names[0] ?? "";
  };
  const prefix = (p: V1Pod): string => (pods.length > 1 ? `[${p.metadata?.name}] ` : "");
  if (!opts.follow) {
    for (const p of pods) {
      const text = await core
        .readNamespacedPodLog({
          name: p.metadata?.name ?? "",
          namespace: target.namespace,
          container: container(p),
          ...(opts.tail !== undefined ? { tailLines: opts.tail } : {}),
          ...(opts.previous ? { previous: true } : {}),
        })
        .catch((err: unknown) => {
          throw apiError(err, kc.getCurrentCluster()?.server);
        });
      const sink = prefixer(out, prefix(p));
      sink.end(text);
      await new Promise((resolve) => sink.once("finish", resolve));
    }
    return;
  }
  const log = new Log(kc);
  const streams = await Promise.all(
    pods.map(async (p) => {
      const sink = prefixer(out, prefix(p));
      const ended = new Promise<void>((resolve) => sink.once("finish", () => resolve()));
      await log.log(target.namespace, p.metadata?.name ?? "", container(p), sink, {
        follow: true,
        ...(opts.tail !== undefined ? { tailLines: opts.tail } : {}),
      });
      return { ended };
    }),
  );
  // Aborting client-node's request makes its response stream emit an error nobody listens to, so a stopped follow
  // returns with the streams still open and the caller ends the process (as kubectl logs -f does on Ctrl-C).
  await Promise.race([
    Promise.all(streams.map((s) => s.ended)),
    new Promise<void>((resolve) => opts.signal?.addEventListener("abort", () => resolve(), { once: true })),
  ]);
}
