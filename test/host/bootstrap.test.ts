/**
 * Issue 3, scenarios 1-3 on a throwaway Debian 12 host over real SSH: a fresh install, an unchanged re-run and a
 * k3s upgrade, running the host steps exactly as the cluster component hands them to `remote.Command`.
 * The k3s installer and binary are the stand-in served by the lab mirror (the only test double; see standin/).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { addonCrds } from "../../core/k3s/addon-crds.ts";
import { kubeconfigName, kubeconfigServer, rewriteKubeconfig } from "../../core/k3s/kubeconfig.ts";
import { type HostStep, type PlanOptions, planHostSteps } from "../../core/k3s/steps.ts";
import type { K8sObject } from "../../core/k8s.ts";
import type { Cluster } from "../../core/model.ts";
import { toYaml } from "../../core/yaml.ts";
import { assertNoSecret, type Fixture, makeFixture, NEXT_VERSION, runTexts, VERSION } from "./fixture.ts";
import type { TestHost } from "./lab.ts";
import {
  type Connection,
  diagnose,
  runStep,
  runSteps,
  StepFailed,
  type StepResult,
  type Traffic,
  timingTable,
} from "./ssh.ts";

const TRAEFIK_CONFIG: K8sObject = {
  apiVersion: "helm.cattle.io/v1",
  kind: "HelmChartConfig",
  metadata: { name: "traefik", namespace: "kube-system" },
};
const CERT_MANAGER: K8sObject = {
  apiVersion: "helm.cattle.io/v1",
  kind: "HelmChart",
  metadata: { name: "cert-manager", namespace: "kube-system" },
  spec: { chart: "cert-manager", repo: "https://charts.jetstack.io", targetNamespace: "cert-manager" },
} as K8sObject;
const ADDONS = [TRAEFIK_CONFIG, CERT_MANAGER];
/** The add-on manifests as the cluster component writes them (one multi-document file). */
const MANIFESTS = ADDONS.map((o) => toYaml(o)).join("---\n");
/** Files the steps manage; their modification times must not move on a re-run. */
const MANAGED = [
  "etc/rancher/k3s/config.yaml",
  "etc/rancher/k3s/skipper-token",
  "etc/rancher/k3s/k3s.yaml",
  "var/lib/rancher/k3s/server/manifests/skipper-addons.yaml",
  "var/lib/rancher/k3s/server/token",
  "usr/local/bin/k3s",
  "etc/systemd/system/k3s.service",
  "etc/systemd/system/k3s.service.env",
  "etc/rancher/k3s/skipper-installed",
];

function probe(command: string): HostStep {
  return { name: "probe", create: command, triggers: [], timeoutSeconds: 20 };
}

/** What the cluster component hands `planHostSteps` for these add-ons. */
function planOptions(cluster: Cluster, extra: PlanOptions = {}): PlanOptions {
  return { manifests: MANIFESTS, waitForCrds: addonCrds(cluster, ADDONS), ...extra };
}

/** Sets one of the stand-in k3s's delays (files under /etc/skipper-standin, see standin/k3s.sh). */
function standinDelay(host: TestHost, file: string, seconds: number | string): void {
  mkdirSync(join(host.root, "etc/skipper-standin"), { recursive: true });
  writeFileSync(join(host.root, "etc/skipper-standin", file), `${seconds}\n`);
}

/** The stand-in k3s makes the add-ons' CRDs appear this many seconds after its first start ("never": not at all). */
function crdsAfter(host: TestHost, seconds: number | "never"): void {
  standinDelay(host, "crds-after", seconds);
}

/**
 * cert-manager's webhook Deployment is created this many seconds after its CRDs and is Available a second later
 * ("never": created with them, never Available; "N polls": NotFound for N queries, not Available for one more, then
 * Available, whatever the time).
 */
function webhookAfter(host: TestHost, seconds: number | "never" | `${number} polls`): void {
  standinDelay(host, "webhook-after", seconds);
}

/**
 * How many times the stand-in's kubectl was asked something matching `pattern`: a wait's polls, counted rather than
 * timed. wait-addons polls every 2 s until `$SECONDS` (whole seconds) says its bound has passed, so a bound of B s
 * gives at most B/2 + 2 polls (fewer on a slow machine), and no step's run time is compared with B.
 */
function polls(host: TestHost, pattern: RegExp): number {
  return host
    .read("var/log/skipper-standin/kubectl.log")
    .split("\n")
    .filter((l) => pattern.test(l)).length;
}

/** What the stand-in k3s process last started as (it records this on every start, as a restart would). */
function running(host: TestHost): { version: string; starts: number } {
  return {
    version: host.read("var/lib/rancher/k3s/stand-in/version").trim(),
    starts: host
      .read("var/log/skipper-standin/k3s.log")
      .split("\n")
      .filter((l) => / start /.test(l)).length,
  };
}

describe("host bootstrap over SSH (fresh, re-run, upgrade)", () => {
  let fx: Fixture;
  let host: TestHost;
  let cluster: Cluster;
  let conn: Connection;
  let steps: HostStep[];
  const allTexts: string[] = [];
  const mtimes = () => MANAGED.map((p) => statSync(join(host.root, p)).mtimeMs);

  before(async () => {
    fx = await makeFixture();
    host = await fx.lab.addHost();
    cluster = fx.cluster([{ address: host.address, hostKey: host.hostKey }]);
    conn = fx.connection(host, { hostKey: cluster.hosts[0]!.hostKey });
    steps = planHostSteps(cluster, cluster.hosts[0]!, planOptions(cluster));
    // The add-ons' CRDs appear a few seconds after k3s first starts, as on a real fresh cluster, and cert-manager's
    // webhook is created and gets ready some seconds after its CRDs.
    crdsAfter(host, 4);
    webhookAfter(host, "2 polls");
  });
  after(async () => {
    await fx?.close();
  });

  it("fresh host: every step succeeds, the kubeconfig points at the host, nothing secret leaks", async (t) => {
    const traffic: Traffic = { connections: 0, commands: 0 };
    const t0 = Date.now();
    const results = await runSteps(conn, steps, fx.token, traffic);
    diagnose(t, timingTable(`fresh install on ${host.address} (${Date.now() - t0} ms wall)`, results));
    t.diagnostic(`SSH round trips, fresh install: ${traffic.connections} connections, ${traffic.commands} commands`);
    assert.deepEqual(
      results.map((r) => [r.step, r.code]),
      steps.map((s) => [s.name, 0]),
    );
    assert.equal(traffic.connections, steps.length);
    const byStep = Object.fromEntries(results.map((r) => [r.step, r]));
    assert.deepEqual(byStep["preflight"]!.changes, []);
    assert.deepEqual(byStep["manifests"]!.changes, [
      "skipper: changed manifests /var/lib/rancher/k3s/server/manifests/skipper-addons.yaml",
    ]);
    assert.deepEqual(byStep["install"]!.changes, [
      "skipper: changed token-file /etc/rancher/k3s/skipper-token",
      "skipper: changed config /etc/rancher/k3s/config.yaml",
      `skipper: changed k3s installed ${VERSION} (server)`,
    ]);
    assert.match(byStep["wait-ready"]!.stdout, new RegExp(`skipper: ok node ${cluster.hosts[0]!.nodeName} ready`));
    // The kubeconfig (which every in-cluster object waits for) is read only once the add-ons' CRDs are Established.
    assert.deepEqual(
      steps.map((s) => s.name),
      ["preflight", "manifests", "install", "wait-ready", "wait-addons", "read-kubeconfig"],
    );
    const addons = byStep["wait-addons"]!;
    assert.deepEqual(
      addons.stdout.split("\n").filter((l) => l.startsWith("skipper: ok crd ")),
      [
        "skipper: ok crd middlewares.traefik.io established",
        "skipper: ok crd certificates.cert-manager.io established",
        "skipper: ok crd issuers.cert-manager.io established",
        "skipper: ok crd clusterissuers.cert-manager.io established",
      ],
    );
    const waited = Number(/skipper: ok add-on CRDs ready after (\d+) s/.exec(addons.stdout)?.[1]);
    assert.ok(waited >= 1, `wait-addons waited for the CRDs to appear (${waited} s)`);
    // Then, through kubectl's NotFound while the chart creates it, until cert-manager's webhook is Available.
    const webhook = /skipper: ok cert-manager webhook available after (\d+) s/.exec(addons.stdout);
    assert.ok(webhook, `wait-addons waited for cert-manager's webhook:\n${addons.stdout}`);
    // Counted, not timed: NotFound twice, not Available once, then Available (webhookAfter "2 polls" above).
    assert.equal(polls(host, /-n cert-manager get deployment cert-manager-webhook /), 4, "polled until Available");
    assert.ok(addons.stdout.indexOf("skipper: ok add-on CRDs ready") < webhook.index);
    assert.deepEqual(addons.changes, []);

    // The add-on manifests were in place before k3s first started.
    assert.equal(host.read("var/lib/rancher/k3s/server/manifests/skipper-addons.yaml"), MANIFESTS);
    assert.ok(
      statSync(join(host.root, "var/lib/rancher/k3s/server/manifests/skipper-addons.yaml")).mtimeMs <=
        statSync(join(host.root, "var/lib/rancher/k3s/stand-in/started")).mtimeMs,
    );

    // The kubeconfig: raw from k3s plus the stack's ServiceAccount token, rewritten to the host address with a
    // stable name; the CA is k3s's, the credential is the token (no client certificate that expires in a year).
    const raw = byStep["read-kubeconfig"]!.stdout;
    const tokenLine = /\n# skipper-service-account-token: (\S+)\n?$/.exec(raw);
    assert.ok(tokenLine, "the read step prints the ServiceAccount token after the kubeconfig");
    assert.equal(raw.slice(0, tokenLine.index + 1), host.read("etc/rancher/k3s/k3s.yaml"));
    const saToken = host.read("var/lib/rancher/k3s/stand-in/sa-token.kube-system.skipper-admin-token").split("\n")[1];
    assert.equal(Buffer.from(tokenLine[1] as string, "base64").toString(), saToken);
    const sa = host.read("var/lib/rancher/k3s/stand-in/applied/ClusterRoleBinding.cluster.skipper-admin");
    assert.match(
      sa,
      /kind: ClusterRole\n {2}name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n {2}name: skipper-admin/,
    );
    const name = kubeconfigName(cluster);
    const kc = parse(rewriteKubeconfig(raw, { server: kubeconfigServer(host.address), name }));
    assert.equal(name, `skipper-${host.address.replaceAll(".", "-")}`);
    assert.equal(kc.clusters[0].cluster.server, `https://${host.address}:6443`);
    assert.equal(
      kc.clusters[0].cluster["certificate-authority-data"],
      parse(raw).clusters[0].cluster["certificate-authority-data"],
    );
    assert.equal(kc["current-context"], name);
    assert.deepEqual(kc.users[0].user, { token: saToken });

    // The token: only on stdin, stored root-only, turned into k3s's token by k3s, never in commands, logs or units.
    assert.equal(host.read("etc/rancher/k3s/skipper-token"), `${fx.token}\n`);
    assert.equal(statSync(join(host.root, "etc/rancher/k3s/skipper-token")).mode & 0o777, 0o600);
    assert.equal(statSync(join(host.root, "etc/rancher/k3s/k3s.yaml")).mode & 0o777, 0o600);
    assert.match(host.read("var/lib/rancher/k3s/server/token"), new RegExp(`^K10[0-9a-f]{64}::server:${fx.token}\\n$`));
    const texts = runTexts(
      steps.map((s) => s.create),
      results,
    );
    allTexts.push(...texts);
    assertNoSecret(fx.token, texts, "a command string or the captured output");
    assertNoSecret(
      fx.token,
      [
        host.read("etc/rancher/k3s/config.yaml"),
        host.read("etc/systemd/system/k3s.service"),
        host.read("etc/systemd/system/k3s.service.env"),
        host.read("var/log/skipper-standin/installer.log"),
      ],
      "a file other than the token files",
    );
    // The mirror switch was used: installer, binary and checksums from the configured location.
    const v = encodeURIComponent(VERSION);
    assert.deepEqual(fx.mirror.requests, [`/k3s/${v}/k3s`, `/k3s/${v}/sha256sum-amd64.txt`, "/get-k3s.sh"]);
  });

  it("re-run on the installed host: zero changes, managed files untouched, nothing downloaded", async (t) => {
    const before = mtimes();
    const installs = host.read("var/log/skipper-standin/installer.log");
    const requests = fx.mirror.requests.length;
    const traffic: Traffic = { connections: 0, commands: 0 };
    const results = await runSteps(conn, steps, fx.token, traffic);
    diagnose(t, timingTable("unchanged re-run (every step forced, as after a connection change)", results));
    t.diagnostic(
      `SSH round trips, unchanged re-run: 0 under Pulumi (same triggers: no command runs); ${traffic.connections} when every step is forced`,
    );
    assert.deepEqual(
      results.flatMap((r) => r.changes),
      [],
    );
    const install = results.find((r) => r.step === "install")!;
    assert.match(install.stdout, new RegExp(`skipper: unchanged k3s ${VERSION.replace("+", "\\+")}`));
    const preflight = results.find((r) => r.step === "preflight")!;
    assert.match(
      preflight.stdout,
      /skipper: ok port 6443 held by k3s/,
      "its own k3s on 6443 does not fail the preflight",
    );
    assert.deepEqual(mtimes(), before);
    assert.equal(host.read("var/log/skipper-standin/installer.log"), installs, "the installer did not run again");
    assert.equal(fx.mirror.requests.length, requests, "nothing was downloaded");
    assert.deepEqual(
      planHostSteps(cluster, cluster.hosts[0]!, planOptions(cluster)).map((s) => s.triggers),
      steps.map((s) => s.triggers),
      "the same stack plans the same triggers, so Pulumi runs nothing",
    );
    allTexts.push(...runTexts([], results));
  });

  it("a new k3s version changes only the install step, which upgrades in place", async (t) => {
    const next = fx.cluster([{ address: host.address, hostKey: host.hostKey }], {
      k3s: { version: NEXT_VERSION, installScriptUrl: fx.mirror.installScriptUrl, artifactUrl: fx.mirror.artifactUrl },
    });
    const nextSteps = planHostSteps(next, next.hosts[0]!, planOptions(next));
    const toRun = nextSteps.filter((s, i) => JSON.stringify(s.triggers) !== JSON.stringify(steps[i]!.triggers));
    assert.deepEqual(
      toRun.map((s) => s.name),
      ["install"],
    );
    const keep = [
      "etc/rancher/k3s/config.yaml",
      "etc/rancher/k3s/skipper-token",
      "var/lib/rancher/k3s/server/tls/server-ca.crt",
    ];
    const before = keep.map((p) => statSync(join(host.root, p)).mtimeMs);
    const kubeconfig = host.read("etc/rancher/k3s/k3s.yaml");
    const results: StepResult[] = [await runStep(conn, toRun[0]!, fx.token)];
    diagnose(t, timingTable(`upgrade ${VERSION} -> ${NEXT_VERSION}`, results));
    assert.deepEqual(results[0]!.changes, [`skipper: changed k3s upgraded ${VERSION} -> ${NEXT_VERSION}`]);
    const version = await runStep(conn, probe("/usr/local/bin/k3s --version"), fx.token);
    assert.match(version.stdout, new RegExp(`^k3s version ${NEXT_VERSION.replace("+", "\\+")} `));
    // The service was restarted on the new binary. The installer would skip that (the binary was already in place
    // when it hashed it, and unit and env file did not change) without INSTALL_K3S_FORCE_RESTART.
    assert.equal(running(host).version, NEXT_VERSION, "k3s runs the new version, not just has it on disk");
    assert.deepEqual(
      keep.map((p) => statSync(join(host.root, p)).mtimeMs),
      before,
      "config, token and cluster CA kept",
    );
    assert.equal(host.read("etc/rancher/k3s/k3s.yaml"), kubeconfig, "same credentials after the upgrade");
    // Forcing every step of the new plan afterwards changes nothing.
    const again = await runSteps(conn, nextSteps, fx.token);
    assert.deepEqual(
      again.flatMap((r) => r.changes),
      [],
    );
    allTexts.push(...runTexts([...nextSteps.map((s) => s.create)], [...results, ...again]));
    assertNoSecret(fx.token, allTexts, "a command string or the captured output");
  });

  it("a new tls-san changes only the install step, which restarts k3s with the new config", async () => {
    const k3s = {
      version: NEXT_VERSION,
      installScriptUrl: fx.mirror.installScriptUrl,
      artifactUrl: fx.mirror.artifactUrl,
    };
    const base = fx.cluster([{ address: host.address, hostKey: host.hostKey }], { k3s });
    const withSan = fx.cluster([{ address: host.address, hostKey: host.hostKey, tlsSans: ["api.example.test"] }], {
      k3s,
    });
    const a = planHostSteps(base, base.hosts[0]!, planOptions(base));
    const b = planHostSteps(withSan, withSan.hosts[0]!, planOptions(withSan));
    const toRun = b.filter((s, i) => JSON.stringify(s.triggers) !== JSON.stringify(a[i]!.triggers));
    assert.deepEqual(
      toRun.map((s) => s.name),
      ["install"],
    );
    const before = running(host);
    const requests = fx.mirror.requests.length;
    const result = await runStep(conn, toRun[0]!, fx.token);
    assert.deepEqual(result.changes, [
      "skipper: changed config /etc/rancher/k3s/config.yaml",
      "skipper: changed k3s restarted with new configuration",
    ]);
    assert.deepEqual(parse(host.read("etc/rancher/k3s/config.yaml"))["tls-san"], [host.address, "api.example.test"]);
    // config.yaml is not among what the installer hashes: only INSTALL_K3S_FORCE_RESTART makes it restart k3s.
    assert.equal(running(host).starts, before.starts + 1, "k3s was restarted to read the new config");
    assert.deepEqual(fx.mirror.requests.slice(requests), ["/get-k3s.sh"], "the binary was not downloaded again");
  });

  it("an install cut off after the binary was put in place is finished by the next run", async () => {
    const cut = await fx.lab.addHost();
    const c = fx.cluster([{ address: cut.address }]);
    const plan = planHostSteps(c, c.hosts[0]!, { readySeconds: 5 });
    const conn2 = fx.connection(cut);
    fx.mirror.installerDown = true;
    let err: StepFailed;
    try {
      err = await runSteps(conn2, plan, fx.token).then(
        () => assert.fail("the install should fail while the installer cannot be fetched"),
        (e: unknown) => e as StepFailed,
      );
    } finally {
      fx.mirror.installerDown = false;
    }
    assert.equal(err.result.step, "install");
    assert.match(err.result.stderr, /could not download http:\/\/[^ ]+\/get-k3s\.sh/);
    assert.ok(existsSync(join(cut.root, "usr/local/bin/k3s")), "the new binary was already in place");
    assert.ok(!existsSync(join(cut.root, "etc/systemd/system/k3s.service")), "the installer never ran");
    // Same version on disk, same config: only the marker tells the next run that the installer has not completed.
    const resumed = await runSteps(conn2, plan, fx.token);
    assert.deepEqual(resumed.find((r) => r.step === "install")!.changes, [
      "skipper: changed k3s service set up again (installer settings changed, or an earlier install did not finish)",
    ]);
    assert.ok(existsSync(join(cut.root, "etc/systemd/system/k3s.service")));
    assert.equal(running(cut).version, VERSION);
    const again = await runSteps(conn2, plan, fx.token);
    assert.deepEqual(
      again.flatMap((r) => r.changes),
      [],
    );
  });

  it("add-on CRDs that never appear: wait-addons fails within its bound, names them and where to look", async (t) => {
    const bare = await fx.lab.addHost();
    crdsAfter(bare, 0);
    const c = fx.cluster([{ address: bare.address }]);
    const waitForCrds = addonCrds(c, ADDONS);
    // The manifests lack cert-manager's HelmChart, so its CRDs never come (as when its chart cannot be installed).
    const partial = planHostSteps(c, c.hosts[0]!, { manifests: toYaml(TRAEFIK_CONFIG), waitForCrds, addonsSeconds: 4 });
    const conn2 = fx.connection(bare);
    const err = await runSteps(conn2, partial, fx.token).then(
      () => assert.fail("wait-addons should give up"),
      (e: unknown) => e as StepFailed,
    );
    t.diagnostic(`wait-addons gave up after ${err.result.runMs} ms (bound 4 s)`);
    assert.equal(err.result.step, "wait-addons");
    // The step gave up by itself, on its own bound (the message below says "after 4 s"), and did not poll past it:
    // every 2 s within 4 s of whole seconds is at most 4 polls, and a slow machine only makes fewer.
    const crdPolls = polls(bare, /get crd\/issuers\.cert-manager\.io /);
    assert.ok(crdPolls >= 1 && crdPolls <= 4, `polled ${crdPolls} times within a 4 s bound`);
    assert.match(
      err.result.stderr,
      new RegExp(
        "skipper: error: wait-addons on [^:]+: after 4 s these CRDs of the cluster add-ons are still missing or not " +
          "Established: certificates\\.cert-manager\\.io, issuers\\.cert-manager\\.io, clusterissuers\\.cert-manager\\.io\\. " +
          `.*Fix: .*'k3s kubectl -n kube-system get helmcharts,pods' on ${bare.address.replaceAll(".", "\\.")}`,
      ),
    );
    assert.doesNotMatch(err.result.stderr, /middlewares\.traefik\.io/, "Traefik's CRD is there and not named");
    // Why the step polls `kubectl get`: `kubectl wait` fails at once on a CRD that does not exist yet.
    const waitErr = await runStep(
      conn2,
      probe("/usr/local/bin/k3s kubectl wait --for condition=established --timeout=30s crd/issuers.cert-manager.io"),
      fx.token,
    ).then(
      () => assert.fail("kubectl wait on a missing CRD fails"),
      (e: unknown) => e as StepFailed,
    );
    // kubectl's NotFound (below), not its "timed out waiting": it failed at once rather than waiting out its 30 s.
    assert.match(
      waitErr.result.stderr,
      /Error from server \(NotFound\): customresourcedefinitions\.apiextensions\.k8s\.io "issuers\.cert-manager\.io" not found/,
    );

    // Nothing was half-done: with cert-manager's chart in the manifests, only the manifests step changes, the wait
    // passes and the kubeconfig is read.
    const fixed = planHostSteps(c, c.hosts[0]!, { manifests: MANIFESTS, waitForCrds, addonsSeconds: 4 });
    assert.deepEqual(
      fixed.filter((s, i) => JSON.stringify(s.triggers) !== JSON.stringify(partial[i]!.triggers)).map((s) => s.name),
      ["manifests"],
    );
    const resumed = await runSteps(conn2, fixed, fx.token);
    assert.deepEqual(
      resumed.flatMap((r) => r.changes),
      ["skipper: changed manifests /var/lib/rancher/k3s/server/manifests/skipper-addons.yaml"],
    );
    assert.match(resumed.find((r) => r.step === "read-kubeconfig")!.stdout, /^apiVersion: v1/);
  });

  it("cert-manager's webhook never Available: wait-addons fails within its bound, says where to look, kubeconfig unread", async (t) => {
    const stuck = await fx.lab.addHost();
    crdsAfter(stuck, 0);
    webhookAfter(stuck, "never");
    const c = fx.cluster([{ address: stuck.address }]);
    const plan = planHostSteps(c, c.hosts[0]!, planOptions(c, { addonsSeconds: 4 }));
    const conn2 = fx.connection(stuck);
    const traffic: Traffic = { connections: 0, commands: 0 };
    const err = await runSteps(conn2, plan, fx.token, traffic).then(
      () => assert.fail("wait-addons should give up on the webhook"),
      (e: unknown) => e as StepFailed,
    );
    t.diagnostic(`wait-addons gave up on the webhook after ${err.result.runMs} ms (bound 4 s)`);
    assert.equal(err.result.step, "wait-addons");
    // The step's own bound ended it (its message says "after 4 s", below), polling at most 4 times (see above).
    const webhookPolls = polls(stuck, /-n cert-manager get deployment cert-manager-webhook /);
    assert.ok(webhookPolls >= 1 && webhookPolls <= 4, `polled the webhook ${webhookPolls} times within a 4 s bound`);
    // The CRDs were there; only the webhook held the step up.
    assert.match(err.result.stdout, /skipper: ok add-on CRDs ready after \d+ s/);
    assert.doesNotMatch(err.result.stdout, /skipper: ok cert-manager webhook/);
    assert.match(
      err.result.stderr,
      new RegExp(
        "skipper: error: wait-addons on [^:]+: after 4 s the cert-manager webhook \\(Deployment " +
          "cert-manager/cert-manager-webhook\\) is not Available \\(Available: False\\); .*'failed calling webhook'.*" +
          "Fix: look at its pods and events with 'k3s kubectl -n cert-manager get pods' and " +
          `'k3s kubectl -n cert-manager get events[^']*' on ${stuck.address.replaceAll(".", "\\.")}`,
      ),
    );
    // The step failed before read-kubeconfig: that step never ran, so no object could be created against the API.
    assert.equal(traffic.connections, plan.findIndex((s) => s.name === "wait-addons") + 1);
    assert.ok(plan.findIndex((s) => s.name === "read-kubeconfig") > plan.findIndex((s) => s.name === "wait-addons"));
    assert.ok(!runTexts([], [err.result]).some((text) => text.includes("client-key-data")), "no kubeconfig printed");

    // Before the chart creates it, kubectl answers NotFound, which the step waits through (never `rollout status`).
    const missing = await fx.lab.addHost();
    crdsAfter(missing, "never");
    const c2 = fx.cluster([{ address: missing.address }]);
    const conn3 = fx.connection(missing);
    await runSteps(conn3, planHostSteps(c2, c2.hosts[0]!, { readySeconds: 5 }), fx.token);
    const query = probe(
      "/usr/local/bin/k3s kubectl -n cert-manager get deployment cert-manager-webhook -o 'jsonpath={.status.availableReplicas}'",
    );
    const notFound = await runStep(conn3, query, fx.token).then(
      () => assert.fail("the webhook Deployment does not exist before the chart installs"),
      (e: unknown) => e as StepFailed,
    );
    assert.equal(notFound.result.code, 1);
    assert.match(
      notFound.result.stderr,
      /Error from server \(NotFound\): deployments\.apps "cert-manager-webhook" not found/,
    );

    // Once the webhook gets ready, a re-run passes the wait and reads the kubeconfig, changing nothing else.
    webhookAfter(stuck, 0);
    const resumed = await runSteps(conn2, plan, fx.token);
    assert.deepEqual(
      resumed.flatMap((r) => r.changes),
      [],
    );
    assert.match(resumed.find((r) => r.step === "wait-addons")!.stdout, /skipper: ok cert-manager webhook available/);
    assert.match(resumed.find((r) => r.step === "read-kubeconfig")!.stdout, /^apiVersion: v1/);
  });

  it("a mirror serving a bad checksum: the install fails with what and how to fix, the running k3s stays", async () => {
    fx.mirror.corruptChecksums = true;
    try {
      const bad = fx.cluster([{ address: host.address }], {
        k3s: {
          version: "v1.31.6+k3s1",
          installScriptUrl: fx.mirror.installScriptUrl,
          artifactUrl: fx.mirror.artifactUrl,
        },
      });
      const install = planHostSteps(bad, bad.hosts[0]!, {}).find((s) => s.name === "install")!;
      const err = await runStep(conn, install, fx.token).then(
        () => assert.fail("the install should fail"),
        (e: unknown) => e as StepFailed,
      );
      assert.ok(err instanceof StepFailed);
      assert.match(
        err.result.stderr,
        /skipper: error: install on .*: checksum mismatch for http:\/\/.*\/k3s\/v1\.31\.6%2Bk3s1\/k3s .* Fix: re-copy k3s v1\.31\.6\+k3s1 to the mirror/,
      );
      assert.ok(!err.message.includes(fx.token));
      const version = await runStep(conn, probe("/usr/local/bin/k3s --version"), fx.token);
      assert.match(version.stdout, new RegExp(`^k3s version ${NEXT_VERSION.replace("+", "\\+")} `));
    } finally {
      fx.mirror.corruptChecksums = false;
    }
  });

  it("a node that never becomes Ready: the wait is bounded, says what to look at, and a later run resumes", async (t) => {
    const slow = await fx.lab.addHost();
    mkdirSync(join(slow.root, "etc/skipper-standin"), { recursive: true });
    writeFileSync(join(slow.root, "etc/skipper-standin/ready-after"), "never\n");
    const c = fx.cluster([{ address: slow.address }]);
    const plan = planHostSteps(c, c.hosts[0]!, { readySeconds: 3 });
    const conn2 = fx.connection(slow);
    const t0 = Date.now();
    const err = await runSteps(conn2, plan, fx.token).then(
      () => assert.fail("the install should time out waiting for Ready"),
      (e: unknown) => e as StepFailed,
    );
    t.diagnostic(`gave up waiting for Ready after ${Date.now() - t0} ms (bound 3 s)`);
    assert.equal(err.result.step, "install");
    assert.match(
      err.result.stderr,
      new RegExp(
        `node ${c.hosts[0]!.nodeName} is not Ready after 3 s \\(status: False\\)\\. Fix: look at 'journalctl -u k3s -n 200' on ${slow.address.replaceAll(".", "\\.")}`,
      ),
    );
    writeFileSync(join(slow.root, "etc/skipper-standin/ready-after"), "0\n");
    const resumed = await runSteps(conn2, plan, fx.token);
    assert.deepEqual(
      resumed.flatMap((r) => r.changes),
      [],
      "k3s was already installed: the re-run only waits and reads",
    );
    assert.match(resumed.find((r) => r.step === "wait-ready")!.stdout, /skipper: ok node .* ready/);
  });
});
