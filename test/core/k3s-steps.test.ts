import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { addonCrds, addonDeployments, CERT_MANAGER_WEBHOOK } from "../../core/k3s/addon-crds.ts";
import { K3S_BIN, k3sConfigYaml } from "../../core/k3s/scripts.ts";
import { DEFAULT_ADDONS_SECONDS, type HostStep, planHostSteps, stepStdin } from "../../core/k3s/steps.ts";
import type { Cluster } from "../../core/model.ts";
import { CERT_MANAGER_CRDS, renderAddons, TRAEFIK_CRDS } from "../../core/render/addons.ts";
import type { ClusterSpec } from "../../core/spec.ts";
import { validateCluster } from "../../core/validate/cluster.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

const spec: ClusterSpec = {
  hosts: [
    { address: "203.0.113.10", tlsSans: ["api.example.com"] },
    { address: "203.0.113.11", role: "server" },
    { address: "203.0.113.12", user: "deploy" },
  ],
  k3s: {
    version: "v1.31.4+k3s1",
    artifactUrl: "https://mirror.example.com/k3s",
    extraServerArgs: ["--disable=servicelb"],
  },
};
const cluster = (s: ClusterSpec = spec): Cluster => validateCluster(s, "cluster");
const MANIFESTS = "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\n";
const CRDS = ["middlewares.traefik.io", "certificates.cert-manager.io"];
const plan = (
  c: Cluster,
  i: number,
  manifests: string | undefined = MANIFESTS,
  waitForCrds: readonly string[] = CRDS,
) => planHostSteps(c, c.hosts[i]!, { manifests, waitForCrds });
const names = (steps: readonly HostStep[]) => steps.map((s) => s.name);

describe("planHostSteps", () => {
  it("orders the steps per role: init server, joining server, agent", () => {
    const c = cluster();
    assert.deepEqual(names(plan(c, 0)), [
      "preflight",
      "manifests",
      "install",
      "wait-ready",
      "wait-addons",
      "read-kubeconfig",
    ]);
    assert.deepEqual(names(plan(c, 1)), ["preflight", "manifests", "install", "wait-ready"]);
    assert.deepEqual(names(plan(c, 2)), ["preflight", "install"]);
    assert.deepEqual(names(planHostSteps(c, c.hosts[0]!, {})), [
      "preflight",
      "install",
      "wait-ready",
      "read-kubeconfig",
    ]);
  });

  it("hands the token only through stdin of the install step, and marks the kubeconfig read secret", () => {
    const token = "K10-not-a-real-token-4f7c2";
    for (const i of [0, 1, 2]) {
      for (const step of plan(cluster(), i)) {
        assert.ok(!step.create.includes(token));
        assert.equal(step.tokenStdin === true, step.name === "install");
        assert.equal(
          stepStdin(step, token),
          step.name === "install" ? token : step.name === "manifests" ? MANIFESTS : undefined,
        );
        assert.equal(step.secretStdout === true, step.name === "read-kubeconfig");
        assert.ok(!("delete" in step), "no step deletes anything (replacement = delete + create)");
        assert.ok(step.timeoutSeconds > 0);
      }
    }
  });

  it("starts every script with strict mode and wraps it for root or sudo -n", () => {
    for (const step of plan(cluster(), 2)) {
      assert.ok(step.script!.startsWith("set -euo pipefail\n"));
      assert.match(step.create, /exec bash -c "\$skipper_script"/);
      assert.match(step.create, /exec sudo -n bash -c "\$skipper_script"/);
      assert.match(step.create, /user deploy is not root and cannot run sudo without a password/);
    }
  });

  it("changes only the install step's triggers for a new k3s version", () => {
    const before = cluster();
    const after = cluster({ ...spec, k3s: { ...spec.k3s, version: "v1.31.5+k3s1" } });
    for (const i of [0, 1, 2]) {
      const a = plan(before, i);
      const b = plan(after, i);
      const differ = a
        .filter((s, j) => JSON.stringify(s.triggers) !== JSON.stringify(b[j]!.triggers))
        .map((s) => s.name);
      assert.deepEqual(differ, ["install"]);
    }
  });

  it("changes only the manifests step's triggers for new manifests, and is deterministic", () => {
    const c = cluster();
    const a = plan(c, 0);
    assert.deepEqual(plan(c, 0), a);
    const b = plan(c, 0, `${MANIFESTS}metadata: {name: traefik}\n`);
    const differ = a.filter((s, j) => JSON.stringify(s.triggers) !== JSON.stringify(b[j]!.triggers)).map((s) => s.name);
    assert.deepEqual(differ, ["manifests"]);
  });

  it("waits for the add-ons' CRDs on the first server only; a new CRD list re-runs only that wait", () => {
    const c = cluster();
    assert.deepEqual(names(plan(c, 0, MANIFESTS, [])), [
      "preflight",
      "manifests",
      "install",
      "wait-ready",
      "read-kubeconfig",
    ]);
    const a = plan(c, 0);
    const wait = a.find((s) => s.name === "wait-addons")!;
    for (const crd of CRDS) assert.match(wait.script!, new RegExp(`'${crd.replaceAll(".", "\\.")}'`));
    assert.match(wait.script!, /k3s kubectl -n kube-system get helmcharts,pods/);
    assert.equal(wait.timeoutSeconds, DEFAULT_ADDONS_SECONDS + 60);
    assert.equal(wait.tokenStdin, undefined);
    const b = plan(c, 0, MANIFESTS, [...CRDS, "issuers.cert-manager.io"]);
    const differ = a.filter((s, j) => JSON.stringify(s.triggers) !== JSON.stringify(b[j]!.triggers)).map((s) => s.name);
    assert.deepEqual(differ, ["wait-addons"]);
    // Adding the step does not touch the other steps' triggers (an existing stack re-runs only the new wait).
    const without = plan(c, 0, MANIFESTS, []);
    assert.deepEqual(
      a.filter((s) => s.name !== "wait-addons").map((s) => s.triggers),
      without.map((s) => s.triggers),
    );
  });

  it("picks the CRDs to wait for from k3s's flags and the add-ons", () => {
    const certManager = {
      apiVersion: "helm.cattle.io/v1",
      kind: "HelmChart",
      metadata: { name: "cert-manager" },
      spec: { chart: "cert-manager" },
    };
    assert.deepEqual(addonCrds(cluster(), []), [...TRAEFIK_CRDS]);
    assert.deepEqual(addonCrds(cluster(), [certManager]), [...TRAEFIK_CRDS, ...CERT_MANAGER_CRDS]);
    assert.deepEqual(addonCrds(cluster(), renderAddons(validateStack(EXAMPLE_SPEC))), [
      ...TRAEFIK_CRDS,
      ...CERT_MANAGER_CRDS,
    ]);
    const noTraefik = cluster({ ...spec, k3s: { ...spec.k3s, extraServerArgs: ["--disable=servicelb,traefik"] } });
    assert.deepEqual(addonCrds(noTraefik, [certManager]), [...CERT_MANAGER_CRDS]);
    assert.deepEqual(TRAEFIK_CRDS, ["middlewares.traefik.io"]);
    assert.deepEqual(CERT_MANAGER_CRDS, [
      "certificates.cert-manager.io",
      "issuers.cert-manager.io",
      "clusterissuers.cert-manager.io",
    ]);
  });

  it("with cert-manager's CRDs also waits, in the same bound, for its webhook Deployment to be Available", () => {
    const c = cluster();
    assert.deepEqual(addonDeployments(CRDS), [CERT_MANAGER_WEBHOOK]);
    assert.deepEqual(addonDeployments([...TRAEFIK_CRDS]), []);
    assert.deepEqual(
      [CERT_MANAGER_WEBHOOK.namespace, CERT_MANAGER_WEBHOOK.name],
      ["cert-manager", "cert-manager-webhook"],
    );
    const script = plan(c, 0).find((s) => s.name === "wait-addons")!.script!;
    // Polls `get` (NotFound is a state to wait through), never `rollout status`, which fails on a missing object.
    assert.match(
      script,
      /k3s kubectl -n 'cert-manager' get deployment 'cert-manager-webhook' -o 'jsonpath=\{\.status\.conditions\[\?\(@\.type=="Available"\)\]\.status\}'/,
    );
    assert.doesNotMatch(script, /rollout status/);
    assert.match(script, /\*NotFound\*\) state="not created yet"/);
    assert.match(script, /echo "skipper: ok cert-manager webhook available after/);
    assert.match(script, /'k3s kubectl -n cert-manager get pods'/);
    assert.match(script, /after 600 s the cert-manager webhook \(Deployment cert-manager\/cert-manager-webhook\)/);
    // The webhook loop comes after the CRD loop and shares its start, so the step's bound covers both.
    assert.ok(script.indexOf("ok add-on CRDs ready") < script.indexOf("get deployment"));
    assert.equal(script.match(/^start=\$SECONDS$/gm)?.length, 1);
    const traefikOnly = plan(c, 0, MANIFESTS, [...TRAEFIK_CRDS]).find((s) => s.name === "wait-addons")!;
    assert.doesNotMatch(traefikOnly.script!, /cert-manager-webhook/);
  });

  it("writes k3s config: tls-san and cluster-init on host 0, server URL for joins, no token", () => {
    const c = cluster();
    const init = parse(k3sConfigYaml(c, c.hosts[0]!));
    assert.deepEqual(init["tls-san"], ["203.0.113.10", "api.example.com"]);
    assert.equal(init["cluster-init"], true);
    assert.equal(init["token-file"], "/etc/rancher/k3s/skipper-token");
    assert.equal(init.server, undefined);
    const join = parse(k3sConfigYaml(c, c.hosts[1]!));
    assert.equal(join.server, "https://203.0.113.10:6443");
    assert.equal(join["cluster-init"], undefined);
    const agent = parse(k3sConfigYaml(c, c.hosts[2]!));
    assert.equal(agent.server, "https://203.0.113.10:6443");
    assert.equal(agent["tls-san"], undefined);
    const single = cluster({ ...spec, hosts: [spec.hosts[0]!] });
    assert.equal(parse(k3sConfigYaml(single, single.hosts[0]!))["cluster-init"], undefined, "one server: no etcd");
  });

  it("uses the mirror switch: binary + checksum from artifactUrl, installer told to skip the download", () => {
    const install = plan(cluster(), 0).find((s) => s.name === "install")!;
    assert.match(install.script!, /base='https:\/\/mirror\.example\.com\/k3s\/v1\.31\.4%2Bk3s1'/);
    assert.match(install.script!, /sha256sum-\$arch\.txt/);
    assert.match(install.script!, /INSTALL_K3S_SKIP_DOWNLOAD=true/);
    assert.match(install.script!, /INSTALL_K3S_EXEC='server --disable=servicelb'/);
    const online = plan(cluster({ ...spec, k3s: { version: "v1.31.4+k3s1" } }), 0).find((s) => s.name === "install")!;
    assert.doesNotMatch(online.script!, /INSTALL_K3S_SKIP_DOWNLOAD/);
    assert.match(online.script!, /fetch 'https:\/\/get\.k3s\.io'/);
    const agent = plan(cluster(), 2).find((s) => s.name === "install")!;
    assert.match(agent.script!, /INSTALL_K3S_EXEC='agent'/);
    assert.match(agent.script!, /K3S_URL='https:\/\/203\.0\.113\.10:6443' K3S_TOKEN_FILE=/);
  });

  it("runs the real installer the way its contract needs (bin dir pinned, restart forced, no token in its env)", () => {
    for (const i of [0, 1, 2]) {
      const script = plan(cluster(), i).find((s) => s.name === "install")!.script!;
      const exported = script.split("\n").filter((l) => l.startsWith("export "));
      // SKIP_DOWNLOAD only checks $BIN_DIR/k3s, and BIN_DIR falls back to /opt/bin when /usr/local/bin is read-only.
      assert.ok(exported.some((l) => l.includes(` INSTALL_K3S_BIN_DIR=${K3S_BIN.replace(/\/k3s$/, "")} `)));
      // The installer restarts only when binary/unit/env hashes changed; ours is in place first, config.yaml unhashed.
      assert.ok(exported.some((l) => / INSTALL_K3S_FORCE_RESTART=true\b/.test(l)));
      // Every exported K3S_* lands in the unit's env file: never the token itself.
      assert.ok(!exported.some((l) => /\bK3S_TOKEN=/.test(l)));
      const unset = script.split("\n").find((l) => l.startsWith("unset INSTALL_K3S_"))!;
      for (const v of ["INSTALL_K3S_SKIP_START", "INSTALL_K3S_SKIP_ENABLE", "INSTALL_K3S_NAME", "K3S_TOKEN"]) {
        assert.ok(unset.split(" ").includes(v), `${v} is unset before the installer runs`);
      }
      // K3S_URL, when set, is https:// (the installer refuses anything else).
      for (const m of script.matchAll(/K3S_URL='([^']*)'/g)) assert.match(m[1]!, /^https:\/\//);
      // The installer's first INSTALL_K3S_EXEC word is the command when it does not start with "-".
      assert.match(script, new RegExp(`INSTALL_K3S_EXEC='${i === 2 ? "agent" : "server"}[ ']`));
    }
  });

  it("produces scripts bash accepts and shellcheck passes (warnings and errors)", () => {
    const hasShellcheck = spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0;
    assert.ok(hasShellcheck, "shellcheck is missing: apt-get install -y shellcheck (listed in .ci/apt-packages.txt)");
    for (const i of [0, 1, 2]) {
      for (const step of plan(cluster(), i)) {
        execFileSync("bash", ["-n"], { input: step.create });
        execFileSync("shellcheck", ["-s", "bash", "-S", "warning", "-e", "SC2034", "-"], {
          input: `#!/bin/bash\n${step.script}`,
        });
        execFileSync("shellcheck", ["-s", "sh", "-S", "warning", "-"], { input: step.create });
      }
    }
  });
});
