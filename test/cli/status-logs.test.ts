/**
 * `kip status` and `kip logs` (the real binary) against the console's in-memory Kubernetes API
 * (console-api/memory-kube, a test double) through `@kubernetes/client-node`, with the kubeconfig it hands out.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type MemoryKube, startMemoryKube } from "../../console-api/memory-kube/index.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { KIP, runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-status-");
let kube: MemoryKube;
let kubeconfig: string;

const labels = (name: string) => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/managed-by": "skipper",
});

function workload(kind: "Deployment" | "StatefulSet", name: string, replicas: number, ready: number): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace: "main", labels: labels(name), annotations: { "skipper.run/declared-replicas": "2" } },
    spec: {
      replicas,
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      template: {
        metadata: { labels: labels(name) },
        spec: { containers: [{ name, image: `ghcr.io/acme/${name}:1` }] },
      },
    },
    status: { replicas, readyReplicas: ready },
  };
}

before(async () => {
  kube = await startMemoryKube({
    objects: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "main" } },
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: "node-1", labels: { "node-role.kubernetes.io/control-plane": "true" } },
        status: {
          conditions: [{ type: "Ready", status: "True" }],
          nodeInfo: { kubeletVersion: "v1.31.4+k3s1" },
          capacity: { cpu: "2", memory: "4Gi", pods: "110" },
        },
      } as unknown as K8sObject,
      workload("Deployment", "web", 3, 1),
      workload("StatefulSet", "db", 1, 1),
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "web", namespace: "main" },
        spec: {
          rules: [
            {
              host: "web-203-0-113-10.skipper.run",
              http: {
                paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }],
              },
            },
          ],
        },
      },
    ],
  });
  for (const pod of ["web-a", "web-b"]) {
    kube.addPod({
      namespace: "main",
      name: pod,
      labels: labels("web"),
      containers: ["web"],
      owner: { kind: "Deployment", name: "web" },
    });
  }
  kube.addPod({
    namespace: "main",
    name: "db-0",
    labels: labels("db"),
    containers: ["db"],
    owner: { kind: "StatefulSet", name: "db" },
  });
  kube.crashContainer("main", "web-b", "web", { reason: "Error", exitCode: 3 });
  for (let i = 1; i <= 3; i++) {
    kube.appendLog("main", "web-a", "web", `a line ${i}`);
    kube.appendLog("main", "web-b", "web", `b line ${i}`);
  }
  kubeconfig = join(tmp.dir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, kube.kubeconfig, { mode: 0o600 });
});
after(async () => {
  await kube.close();
  tmp.cleanup();
});

describe("kip status", () => {
  it("shows nodes, apps with ready/desired replicas and URLs, services, and failures with their reason", async () => {
    const run = await runKip(["status", "--kubeconfig", kubeconfig, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(run.stdout);
    assert.deepEqual(
      s.nodes.map((n: { name: string; ready: boolean; roles: string[] }) => [n.name, n.ready, n.roles]),
      [["node-1", true, ["control-plane"]]],
    );
    const web = s.apps.find((a: { name: string }) => a.name === "web");
    assert.deepEqual(web.replicas, { declared: 2, desired: 3, ready: 1 });
    assert.deepEqual(web.urls, ["https://web-203-0-113-10.skipper.run"]);
    assert.equal(web.state, "degraded");
    assert.deepEqual(
      s.services.map((v: { name: string; state: string }) => [v.name, v.state]),
      [["db", "running"]],
    );
    assert.deepEqual(
      s.failures.map((f: { pod: string; reason: string; workload: string }) => [f.pod, f.reason, f.workload]),
      [["web-b", "CrashLoopBackOff", "web"]],
    );
    assert.match(s.failures[0].message, /keeps exiting \(exit code 3\)/);
  });

  it("prints a table a person reads, without colours on a pipe", async () => {
    const run = await runKip(["status", "--kubeconfig", kubeconfig]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^ {2}main {5}web {2}1\/3 \(stack: 2\) {2}degraded {2}https:\/\/web-203-0-113-10\.skipper\.run$/m,
    );
    assert.match(run.stdout, /^ {2}CrashLoopBackOff main\/web-b \(app web\): container "web" keeps exiting/m);
    assert.ok(!run.stdout.includes("\u001b["));
  });

  it("says which API it could not reach", async () => {
    const bad = join(tmp.dir, "bad.yaml");
    writeFileSync(bad, kube.kubeconfig.replace(kube.url, "http://127.0.0.1:9"));
    const run = await runKip(["status", "--kubeconfig", bad]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:9/);
  });
});

describe("kip logs", () => {
  it("prints the last lines of every pod of the app, prefixed by pod", async () => {
    const run = await runKip(["logs", "web", "--tail", "2", "--project", "main", "--kubeconfig", kubeconfig]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "[web-a] a line 2\n[web-a] a line 3\n[web-b] b line 2\n[web-b] b line 3\n");
    assert.ok(kube.calls.some((c) => c.resource === "pods/log"));
  });

  it("names an app that does not exist", async () => {
    const run = await runKip(["logs", "nope", "--kubeconfig", kubeconfig]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no app or service named 'nope'; kip status lists them/);
  });

  it("follows new lines until interrupted", async () => {
    const child = spawn(process.execPath, [KIP, "logs", "db", "-f", "--kubeconfig", kubeconfig], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const waitFor = async (text: string) => {
      for (let i = 0; i < 600 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(out.includes(text), `never saw ${text}: ${out} ${err}`);
    };
    kube.appendLog("main", "db-0", "db", "ready to accept connections");
    await waitFor("ready to accept connections\n");
    kube.appendLog("main", "db-0", "db", "checkpoint complete");
    await waitFor("checkpoint complete\n");
    const code = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.kill("SIGINT");
    assert.equal(await code, 0, err);
    assert.equal(out, "ready to accept connections\ncheckpoint complete\n");
  });
});
