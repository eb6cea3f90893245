/**
 * The release-data step's scripts for real: bash on this machine runs the delete script against a stand-in
 * `k3s kubectl` that keeps StatefulSets, pods, claims and volumes in files (test/core/standin/k3s-volumes.sh). Pods
 * go some polls after their StatefulSet is deleted and volumes some polls after their claim is, counted in queries
 * rather than seconds, so the waits are checked however slow the machine is.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import {
  DEFAULT_RELEASE_SECONDS,
  planReleaseData,
  RELEASE_DATA_STEP,
  releaseDataScript,
  releasedServices,
} from "../../core/k3s/release-data.ts";
import { K3S_BIN } from "../../core/k3s/scripts.ts";
import { hostLabel, unwrapPrivileged } from "../../core/k3s/shell.ts";
import type { Stack } from "../../core/model.ts";
import type { ServiceSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

const STANDIN = path.join(import.meta.dirname, "standin", "k3s-volumes.sh");

function stack(services: Record<string, ServiceSpec>): Stack {
  return validateStack({ ...EXAMPLE_SPEC, apps: {}, services });
}

/** db (main) and legacy (shop) opted in; cache and db-1 (main) did not. */
const STACK = stack({
  db: { engine: "postgres", deleteDataOnDestroy: true },
  "db-1": { engine: "postgres" },
  cache: { engine: "redis" },
  legacy: { engine: "mysql", project: "shop", deleteDataOnDestroy: true },
});
const FIRST = STACK.cluster.hosts[0]!;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface World {
  readonly dir: string;
  put(file: string, content: string): void;
  has(file: string): boolean;
  log(): string[];
}

/** A cluster holding every service's StatefulSet, pod, claim and bound volume (pv-<service>). */
function world(): World {
  const dir = mkdtempSync(path.join(tmpdir(), "skipper-release-data-"));
  dirs.push(dir);
  for (const d of ["sts", "pods", "pvc", "pv"]) mkdirSync(path.join(dir, d));
  const put = (file: string, content: string) => writeFileSync(path.join(dir, file), content);
  for (const s of STACK.services) {
    put(`sts/${s.namespace}_${s.name}`, s.deleteDataOnDestroy ? "Delete" : "Retain");
    put(`pods/${s.namespace}_${s.name}-0`, s.name);
    put(`pvc/${s.namespace}_data-${s.name}-0`, s.name);
    put(`pv/pv-${s.name}`, `${s.namespace} data-${s.name}-0 Delete`);
  }
  put("pod-polls", "2");
  return {
    dir,
    put,
    has: (file) => existsSync(path.join(dir, file)),
    log: () =>
      (existsSync(path.join(dir, "kubectl.log")) ? readFileSync(path.join(dir, "kubectl.log"), "utf8") : "")
        .split("\n")
        .filter(Boolean)
        .map((l) => l.replace(/^kubectl /, "")),
  };
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function release(w: World, opts: { seconds?: number; k3sBin?: string } = {}, s: Stack = STACK): Run {
  const script = releaseDataScript(s.cluster, FIRST, releasedServices(s.services), {
    seconds: opts.seconds ?? 60,
    pollSeconds: 0.02,
    k3sBin: opts.k3sBin ?? STANDIN,
  });
  const r = spawnSync("bash", ["-c", script], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", STANDIN_STATE: w.dir },
    encoding: "utf8",
    // No socket on stdin: bash would take itself for a remote shell and read ~/.bashrc.
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const changedLines = (out: string) => out.split("\n").filter((l) => l.startsWith("skipper: changed "));

describe("releasedServices and planReleaseData", () => {
  it("keeps only services that opted in, sorted, and plans no step without them", () => {
    assert.deepEqual(releasedServices(STACK.services), [
      { namespace: "main", name: "db" },
      { namespace: "shop", name: "legacy" },
    ]);
    const none = stack({ db: { engine: "postgres" } });
    assert.equal(planReleaseData(none.cluster, none.cluster.hosts[0]!, none.services), undefined);
  });

  it("wraps both scripts to run as root, names the services in the check, bounds the delete", () => {
    const step = planReleaseData(STACK.cluster, FIRST, STACK.services);
    assert.ok(step);
    assert.equal(step.name, RELEASE_DATA_STEP);
    assert.equal(unwrapPrivileged(step.create)?.script, step.createScript);
    assert.equal(unwrapPrivileged(step.delete)?.script, step.deleteScript);
    assert.equal(unwrapPrivileged(step.delete)?.where, `${RELEASE_DATA_STEP} on ${hostLabel(FIRST)}`);
    assert.match(step.createScript, /volumes of main\/db, shop\/legacy \(deleteDataOnDestroy\)/);
    assert.ok(step.deleteScript.includes(`${K3S_BIN} kubectl`) || step.deleteScript.includes(`'${K3S_BIN}' kubectl`));
    assert.ok(step.timeoutSeconds > DEFAULT_RELEASE_SECONDS);
    assert.doesNotMatch(step.deleteScript, /cache|db-1/);
  });

  it("produces scripts bash accepts and shellcheck passes (warnings and errors)", () => {
    const hasShellcheck = spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0;
    assert.ok(hasShellcheck, "shellcheck is missing: apt-get install -y shellcheck (listed in .ci/apt-packages.txt)");
    const step = planReleaseData(STACK.cluster, FIRST, STACK.services)!;
    for (const [command, script] of [
      [step.create, step.createScript],
      [step.delete, step.deleteScript],
    ] as const) {
      execFileSync("bash", ["-n"], { input: command });
      execFileSync("shellcheck", ["-s", "bash", "-S", "warning", "-e", "SC2034", "-"], {
        input: `#!/bin/bash\n${script}`,
      });
      execFileSync("shellcheck", ["-s", "sh", "-S", "warning", "-"], { input: command });
    }
  });

  it("runs the check against a k3s that is there, and fails naming the path when it is not", () => {
    const step = planReleaseData(STACK.cluster, FIRST, STACK.services, { k3sBin: STANDIN })!;
    const ok = spawnSync("bash", ["-c", step.createScript], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /skipper: ok on destroy this step deletes the volumes of main\/db, shop\/legacy/);
    const missing = planReleaseData(STACK.cluster, FIRST, STACK.services, { k3sBin: "/nonexistent/k3s" })!;
    const bad = spawnSync("bash", ["-c", missing.createScript], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /k3s is not installed at \/nonexistent\/k3s/);
  });
});

describe("the release-data delete script against a stand-in kubectl", () => {
  it("deletes only the opted-in services' StatefulSets and claims, after their pods are gone, and waits for the volumes", () => {
    const w = world();
    w.put("pv/pv-db.after", "4");
    w.put("pv/pv-free", "- - Delete"); // an unbound volume: no claimRef
    const r = release(w);
    assert.equal(r.status, 0, r.stderr);
    for (const gone of ["sts/main_db", "pods/main_db-0", "pvc/main_data-db-0", "pv/pv-db", "pv/pv-legacy"]) {
      assert.ok(!w.has(gone), `${gone} should be gone`);
    }
    assert.ok(!w.has("sts/shop_legacy") && !w.has("pvc/shop_data-legacy-0"));
    for (const kept of ["sts/main_cache", "pods/main_cache-0", "pvc/main_data-cache-0", "pv/pv-cache", "pv/pv-free"]) {
      assert.ok(w.has(kept), `${kept} must stay`);
    }
    for (const kept of ["sts/main_db-1", "pods/main_db-1-0", "pvc/main_data-db-1-0", "pv/pv-db-1"]) {
      assert.ok(w.has(kept), `${kept} must stay (its name starts like db's)`);
    }
    const log = w.log();
    const deletes = log.filter((l) => /^-n \S+ delete /.test(l));
    assert.deepEqual(deletes.sort(), [
      "-n main delete pvc data-db-0 --ignore-not-found --wait=false",
      "-n main delete statefulset db --ignore-not-found --wait=false",
      "-n shop delete pvc data-legacy-0 --ignore-not-found --wait=false",
      "-n shop delete statefulset legacy --ignore-not-found --wait=false",
    ]);
    // The claims are deleted only once no pod holds them, and the step waited for the slow volume.
    const lastPodPoll = log.findLastIndex((l) => l.includes(" get pods "));
    const firstClaimDelete = log.findIndex((l) => l.includes(" delete pvc "));
    assert.ok(lastPodPoll < firstClaimDelete, log.join("\n"));
    assert.ok(log.filter((l) => l.startsWith("get pv pv-")).length >= 4, log.join("\n"));
    assert.deepEqual(changedLines(r.stdout).sort(), [
      "skipper: changed claim main/data-db-0 deleted",
      "skipper: changed claim shop/data-legacy-0 deleted",
      "skipper: changed statefulset main/db deleted",
      "skipper: changed statefulset shop/legacy deleted",
      "skipper: changed volume pv-db of main/data-db-0 deleted",
      "skipper: changed volume pv-legacy of shop/data-legacy-0 deleted",
    ]);
    assert.match(r.stdout, /skipper: ok data released after \d+ s/);
  });

  it("is a no-op the second time: everything already gone is success", () => {
    const w = world();
    assert.equal(release(w).status, 0);
    const before = w.log().length;
    const again = release(w);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(changedLines(again.stdout), []);
    assert.match(again.stdout, /skipper: unchanged statefulset main\/db already gone/);
    assert.match(again.stdout, /skipper: unchanged claims of shop\/legacy already gone/);
    assert.match(again.stdout, /skipper: unchanged volumes of main\/db shop\/legacy already gone/);
    assert.deepEqual(
      w
        .log()
        .slice(before)
        .filter((l) => l.includes(" delete ")),
      [],
    );
  });

  it("fails, bounded, naming a volume that does not go and what to do; a later run finds it from its claimRef", () => {
    const w = world();
    w.put("pv/pv-legacy.after", "never");
    // pv-db goes at the first poll after its claim is deleted, however slow the machine: only pv-legacy is left.
    w.put("pv/pv-db.after", "1");
    // No pods left to wait for: the bound is spent on the volumes.
    for (const pod of ["main_db-0", "shop_legacy-0"]) rmSync(path.join(w.dir, "pods", pod));
    const r = release(w, { seconds: 3 });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `skipper: error: release-data on ${hostLabel(FIRST).replace(/[()]/g, "\\$&")}: after 3 s these volumes \\(PersistentVolumes\\) whose claims were deleted still exist: pv-legacy\\. Fix: .*hcloud volume list -l skipper\\.run/cluster=${STACK.cluster.id}`,
      ),
    );
    assert.match(
      r.stdout,
      /skipper: waiting for the volumes \(PersistentVolumes\) whose claims were deleted to go \(\d+ s\): pv-legacy/,
    );
    assert.ok(!w.has("pv/pv-db"), "the volume that could go is gone");
    // The driver catches up (or the user deleted the volume): the claim is gone, the volume still names it.
    assert.ok(!w.has("pvc/shop_data-legacy-0"));
    w.put("pv/pv-legacy.gone-in", "2");
    const again = release(w);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(changedLines(again.stdout), ["skipper: changed volume pv-legacy of shop/data-legacy-0 deleted"]);
    assert.ok(!w.has("pv/pv-legacy"));
  });

  it("keeps the data of a service whose StatefulSet no longer deletes its claims (opt-in turned off)", () => {
    const w = world();
    w.put("sts/main_db", "Retain");
    const r = release(w);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /skipper: unchanged data of service main\/db kept: its StatefulSet retains its claims \(whenDeleted: Retain\)/,
    );
    for (const kept of ["sts/main_db", "pods/main_db-0", "pvc/main_data-db-0", "pv/pv-db"])
      assert.ok(w.has(kept), kept);
    assert.ok(!w.has("pv/pv-legacy"));
    assert.ok(!w.log().some((l) => l.startsWith("-n main delete")));
  });

  it("releases a service whose StatefulSet is already gone (removed in the same update)", () => {
    const w = world();
    rmSync(path.join(w.dir, "sts/main_db"));
    rmSync(path.join(w.dir, "pods/main_db-0"));
    const r = release(w);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /skipper: unchanged statefulset main\/db already gone/);
    assert.ok(!w.has("pvc/main_data-db-0") && !w.has("pv/pv-db"));
  });

  it("does not wait for a volume whose reclaim policy keeps it, and says so", () => {
    const w = world();
    w.put("pv/pv-db", "main data-db-0 Retain");
    const r = release(w);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /skipper: warning: .*volume pv-db of main\/data-db-0 is kept: its reclaim policy is Retain/);
    assert.ok(!w.log().includes("get pv pv-db --ignore-not-found -o name"));
    assert.ok(!w.has("pvc/main_data-db-0"));
  });

  it("fails with what to do when the cluster does not answer, or k3s is gone", () => {
    const w = world();
    w.put("down", "");
    const r = release(w);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /could not read the StatefulSet main\/db .*Fix: start k3s on .*pulumi state delete/);
    const gone = release(world(), { k3sBin: "/nonexistent/k3s" });
    assert.equal(gone.status, 1);
    assert.match(
      gone.stderr,
      /k3s is not installed at \/nonexistent\/k3s, so the volumes of main\/db, shop\/legacy cannot be released/,
    );
  });

  it("fails, bounded, when a pod does not go, before any claim is deleted", () => {
    const w = world();
    w.put("pod-polls", "1000000");
    const r = release(w, { seconds: 1 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /after 1 s these pods of the services still exist: main\/db-0 shop\/legacy-0\. Fix: /);
    assert.ok(w.has("pvc/main_data-db-0") && w.has("pvc/shop_data-legacy-0"));
  });
});
