import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CLUSTER_PERMISSIONS,
  CONSOLE_PERMISSIONS,
  OWN_NAMESPACE_PERMISSIONS,
  type Permission,
} from "../../core/console/permissions.ts";
import { SAMPLES } from "./route-samples.ts";
import { CONSOLE_NS, startConsole } from "./support.ts";
import { openLogs } from "./ws-client.ts";

const flatten = (rules: readonly Permission[]) =>
  new Set(rules.flatMap((r) => r.verbs.map((v) => `${v} ${r.apiGroup}/${r.resource}`)));

test("the console-api makes exactly the Kubernetes calls core/console/permissions.ts grants, each in its scope", async (t) => {
  const h = await startConsole(t);
  // A pending pod the scheduler cannot place, with its reason only in an event (the dashboard reads events).
  h.kube.addPod({
    namespace: "shop",
    name: "web-pending",
    labels: { "app.kubernetes.io/instance": "web", "app.kubernetes.io/managed-by": "skipper" },
    phase: "Pending",
  });
  h.kube.apply({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web-pending.1", namespace: "shop" },
    involvedObject: { kind: "Pod", name: "web-pending", namespace: "shop" },
    reason: "FailedScheduling",
    message: "0/1 nodes are available: 1 Insufficient memory.",
    type: "Warning",
  });
  await h.addUser("ada@example.com", "admin");
  await h.addUser("second@example.com", "viewer", ["shop"]);
  const { token, cookie } = await h.login("ada@example.com");

  for (const s of SAMPLES) {
    if (s.websocket) continue;
    const headers = s.route === "/api/v1/auth/refresh" || s.route === "/api/v1/auth/logout" ? { cookie } : undefined;
    const body =
      s.route === "/api/v1/auth/login"
        ? { email: "ada@example.com", password: "correct horse battery staple" }
        : s.body;
    const r = await h.call(s.method, s.path, {
      token,
      ...(headers && { headers }),
      ...(body !== undefined && { body }),
    });
    assert.ok(r.status < 300, `${s.method} ${s.path}: ${r.status} ${r.text}`);
  }
  const dashboard = await h.call("GET", "/api/v1/dashboard", { token });
  const pending = dashboard.json.failures.find((f: { pod: string }) => f.pod === "web-pending");
  assert.equal(pending.reason, "Pending");
  assert.match(pending.message, /Insufficient memory.*stacks\/skipper\.ts/);

  // Live logs until the pod goes away (the console then checks the pod).
  const pod = h.kube.list("v1", "Pod", "shop").find((p) => p.metadata.name.startsWith("worker-"))!.metadata.name;
  h.kube.appendLog("shop", pod, "worker", "hello");
  const opened = await openLogs(h.url, `/api/v1/projects/shop/apps/worker/logs?pod=${pod}`, ["skipper.auth", token]);
  assert.ok(opened.ok);
  await opened.socket.waitFor(1);
  h.kube.deletePod("shop", pod);
  assert.equal((await opened.socket.closed).code, 1000);

  const served = h.kube.calls.filter((c) => c.status !== 401);
  const used = new Set(served.map((c) => `${c.verb} ${c.group}/${c.resource}`));
  const granted = flatten(CONSOLE_PERMISSIONS);
  assert.deepEqual([...used].filter((u) => !granted.has(u)).sort(), [], "calls without a permission");
  assert.deepEqual([...granted].filter((g) => !used.has(g)).sort(), [], "permissions no route used");

  // Outside its own namespace, only the cluster-wide rules are needed.
  const cluster = flatten(CLUSTER_PERMISSIONS);
  const outside = served.filter((c) => c.namespace !== CONSOLE_NS).map((c) => `${c.verb} ${c.group}/${c.resource}`);
  assert.deepEqual([...new Set(outside)].filter((u) => !cluster.has(u)).sort(), []);
  const own = flatten(OWN_NAMESPACE_PERMISSIONS);
  const inside = served.filter((c) => c.namespace === CONSOLE_NS).map((c) => `${c.verb} ${c.group}/${c.resource}`);
  assert.deepEqual([...new Set(inside)].filter((u) => !own.has(u) && !cluster.has(u)).sort(), []);
});
