/**
 * Issue 3, scenario 6: three real hosts over SSH. Host 0 initialises the cluster (with `cluster-init`, because there
 * are two servers), host 1 joins as a second server and host 2 as an agent, using the join steps and the token on
 * stdin. The stand-in k3s records what it was given; the token must reach each host's root-only file and nowhere else.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { planHostSteps } from "../../core/k3s/steps.ts";
import type { Cluster } from "../../core/model.ts";
import { assertNoSecret, type Fixture, makeFixture, runTexts } from "./fixture.ts";
import type { TestHost } from "./lab.ts";
import { diagnose, runSteps, timingTable } from "./ssh.ts";

describe("a second server and an agent join the first host", () => {
  let fx: Fixture;
  let hosts: TestHost[];
  let cluster: Cluster;

  before(async () => {
    fx = await makeFixture();
    hosts = [await fx.lab.addHost(), await fx.lab.addHost(), await fx.lab.addHost()];
    cluster = fx.cluster(
      hosts.map((h, i) => ({
        address: h.address,
        hostKey: h.hostKey,
        role: i === 2 ? ("agent" as const) : ("server" as const),
      })),
    );
  });
  after(async () => {
    await fx?.close();
  });

  it("host 0 initialises, then a server and an agent join with the token", async (t) => {
    const plans = cluster.hosts.map((h) => planHostSteps(cluster, h, { manifests: "kind: ConfigMap\n" }));
    const first = await runSteps(fx.connection(hosts[0]!, { hostKey: hosts[0]!.hostKey }), plans[0]!, fx.token);
    diagnose(t, timingTable("host 0: server init", first));
    // Joining hosts depend only on host 0, so the engine runs them side by side.
    const [server, agent] = await Promise.all(
      [1, 2].map((i) => runSteps(fx.connection(hosts[i]!, { hostKey: hosts[i]!.hostKey }), plans[i]!, fx.token)),
    );
    diagnose(t, timingTable("host 1: server join", server!));
    diagnose(t, timingTable("host 2: agent join", agent!));
    assert.deepEqual(
      agent!.map((r) => r.step),
      ["preflight", "install"],
    );
    assert.match(
      server!.find((r) => r.step === "install")!.stdout,
      /skipper: changed k3s installed v[^ ]+ \(server joining https:\/\/198\.18\./,
    );

    const url = `https://${hosts[0]!.address}:6443`;
    const config = hosts.map((h) => parse(h.read("etc/rancher/k3s/config.yaml")));
    assert.equal(config[0]["cluster-init"], true, "two servers: host 0 starts embedded etcd");
    assert.equal(config[0].server, undefined);
    assert.equal(config[1].server, url);
    assert.deepEqual(config[1]["tls-san"], [hosts[1]!.address]);
    assert.equal(config[2].server, url);
    assert.equal(config[2]["tls-san"], undefined);

    // What the stand-in installer and k3s were given: the role, the server URL, the token by file.
    const log = hosts.map((h) => h.read("var/log/skipper-standin/installer.log"));
    assert.match(log[0]!, /exec=server args= url= token_file=$/m);
    assert.match(log[1]!, new RegExp(`exec=server args= url=${url} token_file=/etc/rancher/k3s/skipper-token$`, "m"));
    assert.match(log[2]!, new RegExp(`exec=agent args= url=${url} token_file=/etc/rancher/k3s/skipper-token$`, "m"));
    assert.equal(hosts[1]!.read("var/lib/rancher/k3s/stand-in/joined").trim(), url);
    assert.equal(hosts[2]!.read("var/lib/rancher/k3s/stand-in/joined").trim(), url);
    assert.equal(hosts[2]!.read("var/lib/rancher/k3s/stand-in/role").trim(), "agent");
    assert.match(hosts[2]!.read("etc/systemd/system/k3s-agent.service"), /ExecStart=\/usr\/local\/bin\/k3s agent/);

    for (const h of hosts) {
      assert.equal(h.read("etc/rancher/k3s/skipper-token"), `${fx.token}\n`);
      assert.equal(statSync(join(h.root, "etc/rancher/k3s/skipper-token")).mode & 0o777, 0o600);
    }
    const unitEnv = hosts[2]!.read("etc/systemd/system/k3s-agent.service.env");
    // The installer copies exported K3S_* variables into the unit's env file, quoted the way `sh -c export` prints them:
    // the token file's name and the join URL, never the token itself (K3S_TOKEN is never exported).
    assert.match(unitEnv, /^K3S_TOKEN_FILE='\/etc\/rancher\/k3s\/skipper-token'$/m);
    assert.match(unitEnv, new RegExp(`^K3S_URL='${url}'$`, "m"));
    assert.doesNotMatch(unitEnv, /^K3S_TOKEN=/m);
    assert.ok(
      hosts[2]!.read("usr/local/bin/k3s-agent-uninstall.sh").length > 0,
      "the agent's uninstall script is named after its service",
    );
    assertNoSecret(
      fx.token,
      [
        ...runTexts(
          plans.flat().map((s) => s.create),
          [...first, ...server!, ...agent!],
        ),
        ...log,
        unitEnv,
        hosts[1]!.read("etc/systemd/system/k3s.service.env"),
      ],
      "a command, the output, the installer log or a unit env file",
    );
  });

  it("running the joins again changes nothing", async () => {
    const results = await Promise.all(
      [0, 1, 2].map((i) =>
        runSteps(
          fx.connection(hosts[i]!),
          planHostSteps(cluster, cluster.hosts[i]!, { manifests: "kind: ConfigMap\n" }),
          fx.token,
        ),
      ),
    );
    assert.deepEqual(
      results.flat().flatMap((r) => r.changes),
      [],
    );
  });
});
