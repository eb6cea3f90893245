import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { type TestContext, test } from "node:test";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  Log,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import { type MemoryKube, startMemoryKube } from "../../console-api/memory-kube/index.ts";
import type { K8sObject } from "../../core/k8s.ts";

function deployment(name: string, namespace: string, replicas = 1): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { app: name, tier: "web" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `${name}:1`, env: [{ name: "A", value: "1" }] }] },
      },
    },
  };
}

async function start(t: TestContext, options?: Parameters<typeof startMemoryKube>[0]) {
  const kube = await startMemoryKube(options);
  t.after(() => kube.close());
  const config = new KubeConfig();
  config.loadFromString(kube.kubeconfig);
  return { kube, config, core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api) };
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    assert.ok(err instanceof ApiException, String(err));
    return err.code;
  }
}

const lastCall = (kube: MemoryKube) => {
  const { verb, group, resource } = kube.calls[kube.calls.length - 1]!;
  return { verb, group, resource };
};

test("memory kube: create, get, list with label selectors, replace with resourceVersion, delete, through client-node", async (t) => {
  const { kube, core, apps } = await start(t, {
    objects: [deployment("web", "shop"), deployment("worker", "shop"), deployment("api", "other")],
  });
  const list = await apps.listNamespacedDeployment({ namespace: "shop" });
  assert.deepEqual(
    list.items.map((d) => d.metadata?.name),
    ["web", "worker"],
  );
  assert.deepEqual(lastCall(kube), { verb: "list", group: "apps", resource: "deployments" });
  const selected = await apps.listDeploymentForAllNamespaces({ labelSelector: "tier=web,app in (api,web)" });
  assert.deepEqual(selected.items.map((d) => d.metadata?.name).sort(), ["api", "web"]);
  const notWeb = await apps.listDeploymentForAllNamespaces({ labelSelector: "app!=web" });
  assert.deepEqual(notWeb.items.map((d) => d.metadata?.name).sort(), ["api", "worker"]);

  const web = await apps.readNamespacedDeployment({ name: "web", namespace: "shop" });
  assert.equal(web.spec?.replicas, 1);
  assert.ok(web.metadata?.uid && web.metadata.resourceVersion);

  // A write with the current resourceVersion succeeds and moves it; the stale one then conflicts.
  const stale = structuredClone(web);
  web.spec!.replicas = 3;
  const replaced = await apps.replaceNamespacedDeployment({ name: "web", namespace: "shop", body: web });
  assert.equal(replaced.spec?.replicas, 3);
  assert.notEqual(replaced.metadata?.resourceVersion, stale.metadata?.resourceVersion);
  assert.equal(replaced.metadata?.generation, 2);
  assert.equal(await status(apps.replaceNamespacedDeployment({ name: "web", namespace: "shop", body: stale })), 409);

  assert.equal(await status(core.createNamespace({ body: { metadata: { name: "shop" } } })), 409);
  assert.equal(await status(apps.readNamespacedDeployment({ name: "nope", namespace: "shop" })), 404);
  // Creating into a namespace that does not exist is refused.
  const orphan = deployment("x", "missing") as never;
  assert.equal(await status(apps.createNamespacedDeployment({ namespace: "missing", body: orphan })), 404);

  await apps.deleteNamespacedDeployment({ name: "worker", namespace: "shop" });
  assert.deepEqual(lastCall(kube), { verb: "delete", group: "apps", resource: "deployments" });
  assert.equal(await status(apps.readNamespacedDeployment({ name: "worker", namespace: "shop" })), 404);

  // Secrets: stringData is stored as base64 data.
  await core.createNamespacedSecret({
    namespace: "shop",
    body: { metadata: { name: "s" }, stringData: { password: "hunter2" } },
  });
  const secret = await core.readNamespacedSecret({ name: "s", namespace: "shop" });
  assert.equal(Buffer.from(secret.data?.["password"] ?? "", "base64").toString(), "hunter2");
  assert.equal(secret.stringData, undefined);
});

test("memory kube: JSON patch (client default), merge patch and strategic merge patch", async (t) => {
  const { kube, apps } = await start(t, { objects: [deployment("web", "shop")] });
  await apps.patchNamespacedDeployment({
    name: "web",
    namespace: "shop",
    body: [{ op: "replace", path: "/spec/replicas", value: 4 }],
  });
  assert.deepEqual(lastCall(kube), { verb: "patch", group: "apps", resource: "deployments" });
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  const merged = await apps.patchNamespacedDeployment(
    {
      name: "web",
      namespace: "shop",
      body: { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "t1" } } } } },
    },
    merge,
  );
  assert.equal(merged.spec?.replicas, 4);
  assert.equal(merged.spec?.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"], "t1");
  assert.deepEqual(merged.spec?.template.metadata?.labels, { app: "web" });

  // Strategic merge merges containers and env by name; a merge patch replaces the list.
  const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
  const s = await apps.patchNamespacedDeployment(
    {
      name: "web",
      namespace: "shop",
      body: { spec: { template: { spec: { containers: [{ name: "web", env: [{ name: "B", value: "2" }] }] } } } },
    },
    strategic,
  );
  const c = s.spec?.template.spec?.containers[0];
  assert.equal(c?.image, "web:1");
  assert.deepEqual(
    c?.env?.map((e) => e.name),
    ["A", "B"],
  );
  const m = await apps.patchNamespacedDeployment(
    { name: "web", namespace: "shop", body: { spec: { template: { spec: { containers: [{ name: "web" }] } } } } },
    merge,
  );
  assert.equal(m.spec?.template.spec?.containers[0]?.image, undefined);

  // A patch naming a stale resourceVersion conflicts; a failed JSON patch test is refused.
  const stale = { metadata: { resourceVersion: "1" }, spec: { replicas: 1 } };
  assert.equal(
    await status(apps.patchNamespacedDeployment({ name: "web", namespace: "shop", body: stale }, merge)),
    409,
  );
  const test = [{ op: "test", path: "/spec/replicas", value: 99 }];
  assert.equal(await status(apps.patchNamespacedDeployment({ name: "web", namespace: "shop", body: test })), 422);

  // The scale subresource.
  await apps.patchNamespacedDeploymentScale({ name: "web", namespace: "shop", body: { spec: { replicas: 2 } } }, merge);
  assert.deepEqual(lastCall(kube), { verb: "patch", group: "apps", resource: "deployments/scale" });
  assert.equal((await apps.readNamespacedDeployment({ name: "web", namespace: "shop" })).spec?.replicas, 2);
});

test("memory kube: a wrong token is 401 and serves nothing", async (t) => {
  const { kube } = await start(t);
  const config = new KubeConfig();
  config.loadFromString(kube.kubeconfig.replace(kube.token, "not-the-token"));
  assert.equal(await status(config.makeApiClient(CoreV1Api).listNamespace()), 401);
  assert.equal(kube.calls.length, 0);
});

test("memory kube: pod logs with tailLines, previous and follow; the stream ends when the pod goes away", async (t) => {
  const { kube, core, config } = await start(t);
  kube.addPod({ namespace: "shop", name: "web-1", containers: ["web", "sidecar"] });
  for (let i = 1; i <= 5; i++) kube.appendLog("shop", "web-1", "web", `line ${i}`);
  const all = await core.readNamespacedPodLog({ name: "web-1", namespace: "shop", container: "web", tailLines: 2 });
  assert.equal(all, "line 4\nline 5\n");
  assert.deepEqual(lastCall(kube), { verb: "get", group: "", resource: "pods/log" });
  // Two containers and none named: refused, as the API server does.
  assert.equal(await status(core.readNamespacedPodLog({ name: "web-1", namespace: "shop" })), 400);
  assert.equal(
    await status(core.readNamespacedPodLog({ name: "web-1", namespace: "shop", container: "web", previous: true })),
    400,
  );

  kube.crashContainer("shop", "web-1", "web", { reason: "OOMKilled" });
  kube.appendLog("shop", "web-1", "web", "after restart");
  const previous = await core.readNamespacedPodLog({
    name: "web-1",
    namespace: "shop",
    container: "web",
    previous: true,
  });
  assert.equal(previous, "line 1\nline 2\nline 3\nline 4\nline 5\n");
  const pod = await core.readNamespacedPod({ name: "web-1", namespace: "shop" });
  const cs = pod.status?.containerStatuses?.find((s) => s.name === "web");
  assert.equal(cs?.restartCount, 1);
  assert.equal(cs?.lastState?.terminated?.reason, "OOMKilled");

  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => {
    text += d.toString();
  });
  const ended = new Promise<void>((resolve) => out.on("end", () => resolve()));
  await new Log(config).log("shop", "web-1", "web", out, { follow: true, tailLines: 10 });
  const waitFor = async (want: string) => {
    for (let i = 0; i < 200 && !text.includes(want); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(text.includes(want), `saw ${JSON.stringify(text)}`);
  };
  await waitFor("after restart\n");
  kube.appendLog("shop", "web-1", "web", "live 1");
  kube.appendLog("shop", "web-1", "web", "live 2");
  await waitFor("live 2\n");
  await core.deleteNamespacedPod({ name: "web-1", namespace: "shop" });
  await ended;
  assert.equal(text, "after restart\nlive 1\nlive 2\n");

  // A pending pod has no logs yet.
  kube.addPod({ namespace: "shop", name: "waiting", phase: "Pending" });
  assert.equal(await status(core.readNamespacedPodLog({ name: "waiting", namespace: "shop" })), 400);
});

test("memory kube: simulated workloads get pods; a template change replaces them; deleting the owner collects them", async (t) => {
  const { kube, core, apps } = await start(t, { objects: [deployment("web", "shop", 2)], simulateWorkloads: true });
  const pods = async () => (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" })).items;
  assert.equal((await pods()).length, 2);
  const before = (await pods()).map((p) => p.metadata?.name);
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  await apps.patchNamespacedDeployment(
    {
      name: "web",
      namespace: "shop",
      body: { spec: { replicas: 3, template: { metadata: { annotations: { r: "1" } } } } },
    },
    merge,
  );
  await new Promise((r) => setImmediate(r));
  const after = (await pods()).map((p) => p.metadata?.name);
  assert.equal(after.length, 3);
  assert.ok(
    after.every((n) => !before.includes(n)),
    "every pod was replaced",
  );
  const d = await apps.readNamespacedDeployment({ name: "web", namespace: "shop" });
  assert.equal(d.status?.readyReplicas, 3);
  await apps.deleteNamespacedDeployment({ name: "web", namespace: "shop" });
  assert.equal((await pods()).length, 0);
  assert.equal(kube.list("v1", "Pod", "shop").length, 0);
});

test("memory kube: watch streams changes after the given resourceVersion", async (t) => {
  const { kube, config, core } = await start(t);
  kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
  const list = await core.listNamespacedConfigMap({ namespace: "shop" });
  const seen: string[] = [];
  const done = new Promise<void>((resolve) => {
    void new Watch(config).watch(
      "/api/v1/namespaces/shop/configmaps",
      { resourceVersion: list.metadata?.resourceVersion },
      (type, obj: { metadata: { name: string } }) => {
        seen.push(`${type} ${obj.metadata.name}`);
        if (seen.length === 3) resolve();
      },
      () => {},
    );
  });
  await new Promise((r) => setTimeout(r, 20));
  await core.createNamespacedConfigMap({ namespace: "shop", body: { metadata: { name: "a" }, data: { k: "1" } } });
  await core.patchNamespacedConfigMap(
    { name: "a", namespace: "shop", body: { data: { k: "2" } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
  await core.deleteNamespacedConfigMap({ name: "a", namespace: "shop" });
  await done;
  assert.deepEqual(seen, ["ADDED a", "MODIFIED a", "DELETED a"]);
  assert.ok(kube.calls.some((c) => c.verb === "watch" && c.resource === "configmaps"));
});
