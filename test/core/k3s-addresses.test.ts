/**
 * `withAddresses`: filling in addresses known only once the machines exist, and what the host scripts make of a node
 * IP (k3s `node-ip`, flannel on the interface holding it, joins over the first server's node IP).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { UNKNOWN_ADDRESS, withAddresses } from "../../core/k3s/addresses.ts";
import { installScript, k3sConfigYaml, nodeInterface } from "../../core/k3s/scripts.ts";
import { prelude } from "../../core/k3s/shell.ts";
import { planHostSteps } from "../../core/k3s/steps.ts";
import { validateCluster } from "../../core/validate/cluster.ts";

const K3S = { version: "v1.31.4+k3s1" };

const later = () =>
  validateCluster(
    {
      name: "acme",
      hosts: [
        { address: UNKNOWN_ADDRESS, nodeName: "server-1", tlsSans: ["api.example.com"] },
        { address: UNKNOWN_ADDRESS, nodeName: "agent-1", role: "agent" },
      ],
      k3s: K3S,
    },
    "cluster",
  );

describe("withAddresses", () => {
  it("gives back a cluster of known addresses unchanged (bare metal renders exactly as before)", () => {
    const seed = Number(process.env["SEED"] ?? Date.now() % 100000);
    console.log(`seed ${seed}`);
    fc.assert(
      fc.property(fc.array(fc.ipV4(), { minLength: 1, maxLength: 4 }), (ips) => {
        const unique = [...new Set(ips)];
        const cluster = validateCluster({ hosts: unique.map((address) => ({ address })), k3s: K3S }, "cluster");
        const same = withAddresses(cluster, { hosts: cluster.hosts.map((h) => ({ address: h.address })) });
        assert.deepEqual(same, cluster);
        for (const h of cluster.hosts) {
          assert.equal(planHostSteps(same, same.hosts[h.index]!)[0]?.create, planHostSteps(cluster, h)[0]?.create);
        }
      }),
      { seed },
    );
  });

  it("fills in the created addresses: SANs lead with the address, servers add the public one, node IPs set", () => {
    const c = withAddresses(later(), {
      hosts: [
        { address: "198.51.100.11", nodeIp: "10.0.1.10" },
        { address: "198.51.100.31", nodeIp: "10.0.1.11" },
      ],
      publicAddress: "198.51.100.200",
    });
    assert.deepEqual(c.hosts[0]?.tlsSans, ["198.51.100.11", "198.51.100.200", "api.example.com"]);
    assert.deepEqual(c.hosts[1]?.tlsSans, ["198.51.100.31"], "agents serve no API certificate");
    assert.deepEqual(
      c.hosts.map((h) => [h.address, h.nodeIp, h.nodeName]),
      [
        ["198.51.100.11", "10.0.1.10", "server-1"],
        ["198.51.100.31", "10.0.1.11", "agent-1"],
      ],
    );
    assert.equal(c.id, "acme");
    const config = k3sConfigYaml(c, c.hosts[1]!);
    assert.match(config, /^node-ip: 10\.0\.1\.11$/m);
    assert.match(config, /^server: https:\/\/10\.0\.1\.10:6443$/m, "joins over the first server's node IP");
  });

  it("refuses addresses that are not addresses, and a count that does not match the hosts", () => {
    assert.throws(
      () => withAddresses(later(), { hosts: [{ address: "" }, { address: "198.51.100.31" }] }),
      /address of host 0 \(server-1\).*neither an IPv4 address nor a DNS name/,
    );
    assert.throws(
      () => withAddresses(later(), { hosts: [{ address: "198.51.100.11" }] }),
      /1 machine address\(es\) for 2/,
    );
    assert.throws(
      () =>
        withAddresses(later(), {
          hosts: [{ address: "198.51.100.11", nodeIp: "10.0.1.10; rm -rf /" }, { address: "x.example" }],
        }),
      /node IP of server-1/,
    );
  });

  it("asks for cluster.name and node names when addresses come later", () => {
    assert.throws(
      () => validateCluster({ hosts: [{ address: UNKNOWN_ADDRESS, nodeName: "a" }], k3s: K3S }, "cluster"),
      /cluster\.name: is required because the hosts' addresses are known only once/,
    );
    assert.throws(
      () => validateCluster({ name: "acme", hosts: [{ address: UNKNOWN_ADDRESS }], k3s: K3S }, "cluster"),
      /cluster\.hosts\[0\]\.nodeName: is required when the address is known only once the machine exists/,
    );
  });

  it("writes install scripts with a node IP that bash accepts and shellcheck passes", () => {
    const hasShellcheck = spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0;
    assert.ok(hasShellcheck, "shellcheck is missing: apt-get install -y shellcheck (listed in .ci/apt-packages.txt)");
    const c = withAddresses(later(), {
      hosts: [
        { address: "198.51.100.11", nodeIp: "10.0.1.10" },
        { address: "198.51.100.31", nodeIp: "10.0.1.11" },
      ],
    });
    for (const host of c.hosts) {
      const script = installScript(c, host, 300);
      assert.match(script, /node_ip='10\.0\.1\.1[01]'/);
      assert.match(script, /<<<"\$config\nflannel-iface: \$iface"/);
      execFileSync("bash", ["-n"], { input: script });
      execFileSync("shellcheck", ["-s", "bash", "-S", "warning", "-e", "SC2034", "-"], {
        input: `#!/bin/bash\n${script}`,
      });
    }
  });

  it("finds the interface holding the node IP, and fails within its bound naming the IP when none does", () => {
    // A stand-in `ip` printing what `ip -o -4 addr show` prints on a Hetzner server with its private network.
    const dir = mkdtempSync(join(tmpdir(), "skipper-ip-"));
    try {
      writeFileSync(
        join(dir, "ip"),
        `#!/bin/sh
echo '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever'
echo '2: eth0    inet 198.51.100.11/32 metric 100 scope global dynamic eth0\\       valid_lft 86000sec'
echo '3: enp7s0    inet 10.0.1.10/32 brd 10.0.1.10 scope global dynamic enp7s0\\       valid_lft 86000sec'
`,
      );
      chmodSync(join(dir, "ip"), 0o755);
      const host = later().hosts[0]!;
      const run = (ip: string, seconds: number) =>
        spawnSync("bash", ["-c", `${prelude("install", host)}${nodeInterface(ip, seconds)}echo "iface=$iface"`], {
          env: { ...process.env, PATH: `${dir}:${process.env["PATH"]}` },
          encoding: "utf8",
        });
      const found = run("10.0.1.10", 5);
      assert.equal(found.status, 0, found.stderr);
      assert.match(found.stdout, /^iface=enp7s0$/m);
      assert.match(found.stdout, /skipper: ok node IP 10\.0\.1\.10 on enp7s0/);
      // 10.0.1.1 is a prefix of 10.0.1.10: only an exact match counts.
      const missing = run("10.0.1.1", 0);
      assert.equal(missing.status, 1);
      assert.match(
        missing.stderr,
        /install on server-1 .*no network interface holds the node IP 10\.0\.1\.1 after 0 s/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
