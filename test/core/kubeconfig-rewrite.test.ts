import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import { kubeconfigName, kubeconfigServer, rewriteKubeconfig } from "../../core/k3s/kubeconfig.ts";

/** A kubeconfig shaped like the one k3s writes, with the given certificate data and local server. */
function k3sKubeconfig(ca: string, cert: string, key: string, local: string): string {
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: https://${local}:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: ${cert}
    client-key-data: ${key}
`;
}

// Certificate data as k3s writes it: base64 of a PEM block, so it starts "LS0t" and never reads as a YAML number
// (a bare `6100` would, which no real certificate is).
const b64 = fc
  .uint8Array({ minLength: 1, maxLength: 300 })
  .map((b) => Buffer.concat([Buffer.from("-----BEGIN CERTIFICATE-----\n"), b]).toString("base64"));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const local = fc.constantFrom("127.0.0.1", "localhost");

describe("rewriteKubeconfig", () => {
  it("points the server at the host, names everything stably, keeps the certificates (property)", () => {
    fc.assert(
      fc.property(b64, b64, b64, local, ipv4, label, (ca, cert, key, from, ip, name) => {
        const out = parse(
          rewriteKubeconfig(k3sKubeconfig(ca, cert, key, from), { server: kubeconfigServer(ip), name }),
        );
        assert.equal(out.clusters[0].cluster.server, `https://${ip}:6443`);
        assert.equal(out.clusters[0].name, name);
        assert.deepEqual(out.contexts[0], { context: { cluster: name, user: name }, name });
        assert.equal(out.users[0].name, name);
        assert.equal(out["current-context"], name);
        assert.equal(out.clusters[0].cluster["certificate-authority-data"], ca);
        assert.equal(out.users[0].user["client-certificate-data"], cert);
        assert.equal(out.users[0].user["client-key-data"], key);
      }),
      { numRuns: 200 },
    );
  });

  it("is idempotent (property)", () => {
    fc.assert(
      fc.property(b64, b64, b64, local, ipv4, label, (ca, cert, key, from, ip, name) => {
        const opts = { server: kubeconfigServer(ip), name };
        const once = rewriteKubeconfig(k3sKubeconfig(ca, cert, key, from), opts);
        assert.equal(rewriteKubeconfig(once, opts), once);
      }),
      { numRuns: 200 },
    );
  });

  it("gives the same bytes for the same input (deterministic, no 127.0.0.1 left)", () => {
    const raw = k3sKubeconfig("Q0E=", "Q0VSVA==", "S0VZ", "127.0.0.1");
    const opts = { server: "https://203.0.113.10:6443", name: "skipper-203-0-113-10" };
    const a = rewriteKubeconfig(raw, opts);
    assert.equal(a, rewriteKubeconfig(raw, opts));
    assert.ok(!a.includes("127.0.0.1"));
  });

  it("refuses what is not a single-cluster kubeconfig, without quoting it", () => {
    const opts = { server: "https://203.0.113.10:6443", name: "skipper-x" };
    const secretish = "client-key-data: SECRETKEYMATERIAL";
    assert.throws(
      () => rewriteKubeconfig(`kind: Pod\n${secretish}\n`, opts),
      (e: Error) => !e.message.includes("SECRET"),
    );
    assert.throws(() => rewriteKubeconfig(": : [", opts), /not valid YAML/);
    assert.throws(() => rewriteKubeconfig("kind: Config\nclusters: []\n", opts), /exactly one entry in 'clusters'/);
    assert.throws(
      () => rewriteKubeconfig(k3sKubeconfig("a", "b", "c", "127.0.0.1"), { ...opts, server: "http://x:6443" }),
      /https/,
    );
  });

  it("builds the server URL and the stable name", () => {
    assert.equal(kubeconfigServer("203.0.113.10"), "https://203.0.113.10:6443");
    assert.equal(kubeconfigServer("2001:db8::1"), "https://[2001:db8::1]:6443");
    assert.equal(kubeconfigName({ id: "acme" }), "skipper-acme");
  });
});
