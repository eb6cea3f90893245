/**
 * Issue 3, scenarios 1-3 on a throwaway Debian 12 host over real SSH: a fresh install, an unchanged re-run and a
 * k3s upgrade, running the host steps exactly as the cluster component hands them to `remote.Command`.
 * The k3s installer and binary are the stand-in served by the lab mirror (the only test double; see standin/).
 */
import assert from "node:assert/strict";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { kubeconfigName, kubeconfigServer, rewriteKubeconfig } from "../../core/k3s/kubeconfig.ts";
import { type HostStep, planHostSteps } from "../../core/k3s/steps.ts";
import type { Cluster } from "../../core/model.ts";
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

const MANIFESTS =
  "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata:\n  name: traefik\n  namespace: kube-system\n";
/** Files the steps manage; their modification times must not move on a re-run. */
const MANAGED = [
  "etc/rancher/k3s/config.yaml",
  "etc/rancher/k3s/skipper-token",
  "etc/rancher/k3s/k3s.yaml",
  "var/lib/rancher/k3s/server/manifests/skipper-addons.yaml",
  "var/lib/rancher/k3s/server/token",
  "usr/local/bin/k3s",
  "etc/systemd/system/k3s.service",
];

function probe(command: string): HostStep {
  return { name: "probe", create: command, triggers: [], timeoutSeconds: 20 };
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
    steps = planHostSteps(cluster, cluster.hosts[0]!, { manifests: MANIFESTS });
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

    // The add-on manifests were in place before k3s first started.
    assert.equal(host.read("var/lib/rancher/k3s/server/manifests/skipper-addons.yaml"), MANIFESTS);
    assert.ok(
      statSync(join(host.root, "var/lib/rancher/k3s/server/manifests/skipper-addons.yaml")).mtimeMs <=
        statSync(join(host.root, "var/lib/rancher/k3s/stand-in/started")).mtimeMs,
    );

    // The kubeconfig: raw from k3s, rewritten to the host address with a stable name, certificates kept.
    const raw = byStep["read-kubeconfig"]!.stdout;
    assert.equal(raw, host.read("etc/rancher/k3s/k3s.yaml"));
    const name = kubeconfigName(cluster);
    const kc = parse(rewriteKubeconfig(raw, { server: kubeconfigServer(host.address), name }));
    assert.equal(name, `skipper-${host.address.replaceAll(".", "-")}`);
    assert.equal(kc.clusters[0].cluster.server, `https://${host.address}:6443`);
    assert.equal(kc["current-context"], name);
    assert.equal(kc.users[0].user["client-key-data"], parse(raw).users[0].user["client-key-data"]);

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
      planHostSteps(cluster, cluster.hosts[0]!, { manifests: MANIFESTS }).map((s) => s.triggers),
      steps.map((s) => s.triggers),
      "the same stack plans the same triggers, so Pulumi runs nothing",
    );
    allTexts.push(...runTexts([], results));
  });

  it("a new k3s version changes only the install step, which upgrades in place", async (t) => {
    const next = fx.cluster([{ address: host.address, hostKey: host.hostKey }], {
      k3s: { version: NEXT_VERSION, installScriptUrl: fx.mirror.installScriptUrl, artifactUrl: fx.mirror.artifactUrl },
    });
    const nextSteps = planHostSteps(next, next.hosts[0]!, { manifests: MANIFESTS });
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
