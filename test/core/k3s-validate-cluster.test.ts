import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SpecError, SpecErrors } from "../../core/errors.ts";
import type { ClusterSpec } from "../../core/spec.ts";
import { validateCluster } from "../../core/validate/cluster.ts";
import { EXAMPLE_HOST } from "../support/example-stack.ts";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0eS9XJ0ZVe+2UHdFT2y5WPMOVRBaqX4TVrZyhy6Wc";
const base: ClusterSpec = { hosts: [{ address: "203.0.113.10" }], k3s: { version: "v1.31.4+k3s1" } };

/** The fields named by the error `fn` throws. */
function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecErrors) return err.errors.map((e) => e.field);
    if (err instanceof SpecError) return [err.field];
    throw err;
  }
  assert.fail("expected a SpecError");
}

describe("validateCluster", () => {
  it("fills defaults: id from the IPv4, root on 22, first host a server, node name, tls-san, preflight", () => {
    const c = validateCluster(base, "cluster");
    assert.equal(c.id, "203-0-113-10");
    assert.deepEqual(c.ref, { kind: "ip", ip: "203.0.113.10" });
    assert.deepEqual(c.hosts[0], { ...EXAMPLE_HOST, nodeName: "203-0-113-10" });
    assert.equal(c.k3s.installScriptUrl, "https://get.k3s.io");
    assert.equal(c.k3s.artifactUrl, undefined);
    assert.deepEqual(c.preflight, { minMemoryMiB: 1800, minDiskGiB: 10, ports: [80, 443, 6443] });
  });

  it("uses the chosen name as id and keeps the address first in tlsSans without repeats", () => {
    const c = validateCluster(
      {
        name: "acme",
        hosts: [
          {
            address: "Node1.Example.com.",
            tlsSans: ["api.example.com", "node1.example.com"],
            hostKey: `${ED25519} root@x`,
          },
        ],
        k3s: { version: "v1.32.0-rc1+k3s2", artifactUrl: "https://mirror.example.com/k3s/" },
      },
      "cluster",
    );
    assert.equal(c.id, "acme");
    assert.equal(c.hosts[0]!.address, "node1.example.com");
    assert.deepEqual(c.hosts[0]!.tlsSans, ["node1.example.com", "api.example.com"]);
    assert.equal(c.hosts[0]!.hostKey, ED25519, "the comment is dropped");
    assert.equal(c.k3s.artifactUrl, "https://mirror.example.com/k3s", "trailing slash dropped");
  });

  it("makes later hosts agents unless told otherwise", () => {
    const c = validateCluster(
      {
        ...base,
        hosts: [{ address: "203.0.113.10" }, { address: "203.0.113.11" }, { address: "203.0.113.12", role: "server" }],
      },
      "cluster",
    );
    assert.deepEqual(
      c.hosts.map((h) => h.role),
      ["server", "agent", "server"],
    );
  });

  it("refuses a malformed k3s version", () => {
    for (const version of ["1.31.4", "v1.31.4", "v1.31+k3s1", "latest", "v1.31.4+k3s1; rm -rf /"]) {
      assert.deepEqual(
        fieldsOf(() => validateCluster({ ...base, k3s: { version } }, "cluster")),
        ["cluster.k3s.version"],
      );
    }
  });

  it("names each bad host field", () => {
    const spec: ClusterSpec = {
      hosts: [
        { address: "203.0.113.10", role: "agent", port: 0, hostKey: "ssh-ed25519 not-base64!" },
        { address: "bad address" },
      ],
      k3s: { version: "v1.31.4+k3s1" },
    };
    assert.deepEqual(fieldsOf(() => validateCluster(spec, "cluster")).sort(), [
      "cluster.hosts[0].hostKey",
      "cluster.hosts[0].port",
      "cluster.hosts[0].role",
      "cluster.hosts[1].address",
    ]);
  });

  it("refuses a host key whose data does not match its type", () => {
    const rsaTyped = ED25519.replace("ssh-ed25519", "ssh-rsa");
    const err = (() => {
      try {
        validateCluster({ ...base, hosts: [{ address: "203.0.113.10", hostKey: rsaTyped }] }, "cluster");
      } catch (e) {
        return e instanceof SpecErrors ? e.errors[0] : (e as SpecError);
      }
    })();
    assert.equal(err?.field, "cluster.hosts[0].hostKey");
    assert.match(err!.message, /ssh-ed25519.*ssh-rsa/);
  });

  it("asks for cluster.name when the first host is a DNS name", () => {
    const fields = fieldsOf(() => validateCluster({ ...base, hosts: [{ address: "node1.example.com" }] }, "cluster"));
    assert.deepEqual(fields, ["cluster.name"]);
    assert.throws(
      () => validateCluster({ ...base, hosts: [{ address: "node1.example.com" }] }, "cluster"),
      /set cluster\.name/,
    );
  });

  it("checks the cluster name with the naming rules", () => {
    for (const name of ["console", "a--b", "Acme", "x-1-2-3-4"]) {
      assert.deepEqual(
        fieldsOf(() => validateCluster({ ...base, name }, "cluster")),
        ["cluster.name"],
      );
    }
  });

  it("refuses repeated hosts and node names, and flags Skipper owns", () => {
    const fields = fieldsOf(() =>
      validateCluster(
        {
          hosts: [
            { address: "203.0.113.10" },
            { address: "203.0.113.10" },
            { address: "203.0.113.12", nodeName: "203-0-113-10" },
          ],
          k3s: { version: "v1.31.4+k3s1", extraServerArgs: ["--disable=servicelb", "--token=abc", "--x='y'"] },
        },
        "cluster",
      ),
    );
    assert.deepEqual(fields.sort(), [
      "cluster.hosts[1].address",
      "cluster.hosts[1].nodeName",
      "cluster.hosts[2].nodeName",
      "cluster.k3s.extraServerArgs[1]",
      "cluster.k3s.extraServerArgs[2]",
    ]);
  });

  it("refuses an empty host list and bad preflight thresholds", () => {
    assert.deepEqual(
      fieldsOf(() => validateCluster({ ...base, hosts: [] }, "cluster")),
      ["cluster.hosts"],
    );
    assert.deepEqual(
      fieldsOf(() =>
        validateCluster({ ...base, preflight: { minMemoryMiB: -1, minDiskGiB: 1.5, ports: [70000] } }, "cluster"),
      ).sort(),
      ["cluster.preflight.minDiskGiB", "cluster.preflight.minMemoryMiB", "cluster.preflight.ports[0]"],
    );
  });

  it("uses the field prefix it is given", () => {
    assert.deepEqual(
      fieldsOf(() => validateCluster({ ...base, k3s: { version: "x" } }, "stacks.prod.cluster")),
      ["stacks.prod.cluster.k3s.version"],
    );
  });
});
