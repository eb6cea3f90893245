/**
 * Issue 3, scenario 4: preflight failures on a real Debian 12 host over SSH, each naming the problem and the fix, and
 * leaving nothing installed. Also the other side of the privilege check: a non-root user with passwordless sudo
 * installs through `sudo -n`.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { planHostSteps } from "../../core/k3s/steps.ts";
import type { PreflightSpec } from "../../core/spec.ts";
import { assertNoSecret, type Fixture, LAB_PREFLIGHT, makeFixture } from "./fixture.ts";
import { type TestHost, waitForPort } from "./lab.ts";
import { diagnose, runStep, runSteps, StepFailed, timingTable } from "./ssh.ts";

/** What any of the steps would leave behind. */
const INSTALLED = [
  "usr/local/bin/k3s",
  "etc/rancher",
  "var/lib/rancher",
  "etc/systemd/system/k3s.service",
  "var/log/skipper-standin",
];

describe("preflight failures are clear and install nothing", () => {
  let fx: Fixture;
  let host: TestHost;

  before(async () => {
    fx = await makeFixture();
    host = await fx.lab.addHost({ user: { name: "deploy", sudo: "none" } });
  });
  after(async () => {
    await fx?.close();
  });

  /** Run every step of a one-host cluster; expect the preflight to stop it. Returns the error text. */
  async function expectPreflightFailure(opts: { preflight?: PreflightSpec; user?: string }): Promise<string> {
    const cluster = fx.cluster([{ address: host.address, user: opts.user ?? "root" }], {
      preflight: { ...LAB_PREFLIGHT, ...opts.preflight },
    });
    const steps = planHostSteps(cluster, cluster.hosts[0]!, { manifests: "kind: ConfigMap\n" });
    const requests = fx.mirror.requests.length;
    const err = await runSteps(fx.connection(host, { user: opts.user ?? "root" }), steps, fx.token).then(
      () => assert.fail("the steps should have failed"),
      (e: unknown) => e as StepFailed,
    );
    assert.ok(err instanceof StepFailed, String(err));
    assert.equal(err.result.step, "preflight", "the first step stops the run");
    assert.equal(err.result.code, 1);
    assert.ok(err.message.startsWith('running "'), "the provider's error form: the command, then its output");
    for (const path of INSTALLED)
      assert.ok(!existsSync(join(host.root, path)), `${path} must not exist after a failed preflight`);
    assert.equal(fx.mirror.requests.length, requests, "nothing was downloaded");
    assertNoSecret(fx.token, [err.message], "the error");
    return err.result.stderr;
  }

  it("ports the cluster needs are taken (by a named service on the host, and by an unknown holder)", async () => {
    // A service of the host itself on port 80, named like one (ss shows its name); perl is in Debian's base system.
    const serve80 =
      "cp /usr/bin/perl /usr/local/sbin/nginx; setsid /usr/local/sbin/nginx -MIO::Socket::INET " +
      "-e '$s = IO::Socket::INET->new(LocalPort => 80, Listen => 5, ReuseAddr => 1) or die; 1 while $s->accept' " +
      "</dev/null >/dev/null 2>&1 & echo $! >/root/nginx.pid";
    await runStep(fx.connection(host), { name: "serve-80", create: serve80, triggers: [], timeoutSeconds: 10 }, "");
    // A listener in the host's network namespace but outside its process view: ss cannot name it.
    const listener = host.spawnInNetns(process.execPath, [
      "-e",
      "require('net').createServer().listen(6443, '0.0.0.0')",
    ]);
    try {
      await waitForPort(host.address, 80, 5000);
      await waitForPort(host.address, 6443, 5000);
      const stderr = await expectPreflightFailure({});
      assert.match(
        stderr,
        /skipper: error: preflight on .*: port 80 is already in use by users:\(\("nginx",pid=\d+,fd=\d+\)\); k3s needs it\. Fix: stop the service listening on 80/,
      );
      assert.match(
        stderr,
        /skipper: error: preflight on .*: port 6443 is already in use; k3s needs it\. Fix: stop the service listening on 6443/,
      );
      assert.doesNotMatch(stderr, /port 443 /, "only the taken ports are reported");
    } finally {
      listener.kill("SIGKILL");
      const stop = "kill $(cat /root/nginx.pid); rm -f /usr/local/sbin/nginx /root/nginx.pid";
      await runStep(fx.connection(host), { name: "stop-80", create: stop, triggers: [], timeoutSeconds: 10 }, "");
    }
  });

  it("too little memory", async () => {
    const stderr = await expectPreflightFailure({ preflight: { minMemoryMiB: 100_000_000 } });
    assert.match(
      stderr,
      /only \d+ MiB of memory, at least 100000000 MiB needed\. Fix: use a bigger machine, or lower cluster\.preflight\.minMemoryMiB/,
    );
  });

  it("too little disk", async () => {
    const stderr = await expectPreflightFailure({ preflight: { minDiskGiB: 100_000_000 } });
    assert.match(
      stderr,
      /only \d+ GiB free on \/var\/lib, at least 100000000 GiB needed\. Fix: free space or grow the disk/,
    );
  });

  it("several problems are reported together", async () => {
    const stderr = await expectPreflightFailure({ preflight: { minDiskGiB: 100_000_000, minMemoryMiB: 100_000_000 } });
    assert.match(stderr, /MiB of memory/);
    assert.match(stderr, /GiB free/);
    assert.match(stderr, /2 problem\(s\); nothing was installed/);
  });

  it("an unsupported operating system in /etc/os-release (and a supported Ubuntu passes)", async () => {
    const path = join(host.root, "etc/os-release");
    const original = readFileSync(path, "utf8");
    try {
      rmSync(path);
      writeFileSync(path, 'NAME="CentOS Linux"\nID="centos"\nVERSION_ID="7"\n');
      const stderr = await expectPreflightFailure({});
      assert.match(
        stderr,
        /unsupported operating system 'centos 7' \(from \/etc\/os-release\)\. Fix: use Debian 11, 12 or 13, or Ubuntu 20\.04 or later/,
      );
      writeFileSync(path, 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="24.04"\n');
      const cluster = fx.cluster([{ address: host.address }]);
      const [preflight] = await runSteps(
        fx.connection(host),
        [planHostSteps(cluster, cluster.hosts[0]!)[0]!],
        fx.token,
      );
      assert.match(preflight!.stdout, /skipper: ok os ubuntu 24\.04/);
    } finally {
      writeFileSync(path, original);
    }
  });

  it("not root and no passwordless sudo", async () => {
    const stderr = await expectPreflightFailure({ user: "deploy" });
    assert.match(
      stderr,
      /skipper: error: preflight on .*: user deploy is not root and cannot run sudo without a password\. Fix: connect as root \(set hosts\[0\]\.user to "root"\) or give deploy passwordless sudo/,
    );
  });

  it("a non-root user with passwordless sudo installs through sudo -n", async (t) => {
    writeFileSync(join(host.root, "etc/sudoers.d/deploy"), "deploy ALL=(ALL) NOPASSWD:ALL\n", { mode: 0o440 });
    const cluster = fx.cluster([{ address: host.address, user: "deploy" }]);
    const steps = planHostSteps(cluster, cluster.hosts[0]!, { manifests: "kind: ConfigMap\n" });
    const results = await runSteps(fx.connection(host, { user: "deploy" }), steps, fx.token);
    diagnose(t, timingTable("install as deploy via sudo -n", results));
    assert.ok(results.some((r) => r.changes.some((c) => c.startsWith("skipper: changed k3s installed"))));
    assert.equal(readFileSync(join(host.root, "etc/rancher/k3s/skipper-token"), "utf8"), `${fx.token}\n`);
    assert.match(results.at(-1)!.stdout, /^apiVersion: v1/);
  });
});
