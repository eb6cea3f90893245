/**
 * The stack's kubeconfig does not expire: the read step appends a ServiceAccount token and the rewrite puts it in
 * place of k3s's client certificate (valid for a year). A kubeconfig read by an older step keeps its certificate.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { FAKE_K3S_KUBECONFIG } from "../../cli/synth/runtime.ts";
import { rewriteKubeconfig, serviceAccountToken } from "../../core/k3s/kubeconfig.ts";
import { readKubeconfigScript, STACK_SERVICE_ACCOUNT, TOKEN_LINE_PREFIX } from "../../core/k3s/scripts.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2EtdG9rZW4.c2lnbmF0dXJl";
const opts = { server: "https://203.0.113.10:6443", name: "skipper-203-0-113-10" };

describe("kubeconfig with the stack's ServiceAccount token", () => {
  it("replaces the client certificate with the token", () => {
    const raw = `${FAKE_K3S_KUBECONFIG}${TOKEN_LINE_PREFIX}${Buffer.from(TOKEN).toString("base64")}\n`;
    const kc = parse(rewriteKubeconfig(raw, opts));
    assert.deepEqual(kc.users, [{ name: opts.name, user: { token: TOKEN } }]);
    assert.equal(kc.clusters[0].cluster["certificate-authority-data"], "ZmFrZS1jYQ==");
    assert.equal(rewriteKubeconfig(rewriteKubeconfig(raw, opts), opts), rewriteKubeconfig(raw, opts), "idempotent");
  });

  it("keeps the certificate of a kubeconfig read without a token", () => {
    assert.equal(serviceAccountToken(FAKE_K3S_KUBECONFIG), undefined);
    const kc = parse(rewriteKubeconfig(FAKE_K3S_KUBECONFIG, opts));
    assert.equal(kc.users[0].user["client-certificate-data"], "ZmFrZS1jZXJ0");
  });

  it("refuses a token line that does not decode to a token, without quoting it", () => {
    const raw = `${FAKE_K3S_KUBECONFIG}${TOKEN_LINE_PREFIX}${Buffer.from("two\nlines").toString("base64")}\n`;
    assert.throws(
      () => rewriteKubeconfig(raw, opts),
      (e: Error) => /is not a token/.test(e.message) && !e.message.includes("two"),
    );
  });

  it("creates the ServiceAccount, its cluster-admin binding and token Secret on the host, bounded", () => {
    const script = readKubeconfigScript({ address: "203.0.113.10", index: 0 } as Parameters<
      typeof readKubeconfigScript
    >[0]);
    const { namespace, name, secret } = STACK_SERVICE_ACCOUNT;
    assert.match(script, new RegExp(`kind: ServiceAccount\\nmetadata:\\n  name: ${name}\\n  namespace: ${namespace}`));
    assert.match(
      script,
      /roleRef:\n {2}apiGroup: rbac\.authorization\.k8s\.io\n {2}kind: ClusterRole\n {2}name: cluster-admin/,
    );
    assert.match(
      script,
      new RegExp(`kubernetes.io/service-account.name: ${name}\\ntype: kubernetes.io/service-account-token`),
    );
    assert.match(script, new RegExp(`get secret ${secret} -o 'jsonpath=\\{.data.token\\}'`));
    assert.match(script, /-ge 60 \] && fail "after 60 s the token/);
    assert.ok(script.trimEnd().endsWith(`printf '${TOKEN_LINE_PREFIX}%s\\n' "$token"`));
  });
});
