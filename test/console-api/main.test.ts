/**
 * The console-api process as the stack runs it: configured only by environment, one line when ready, /healthz, the
 * first admin from SKIPPER_ADMIN_*, a signing key from a PEM file, exit code 2 on configuration errors, a drain on
 * SIGTERM.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, configFromEnv } from "../../console-api/config.ts";
import { startMemoryKube } from "../../console-api/memory-kube/index.ts";
import { spawnCollected } from "../support/child.ts";
import { namespace } from "./support.ts";

const MAIN = fileURLToPath(new URL("../../console-api/main.ts", import.meta.url));

test("configFromEnv: defaults, in-cluster vs KUBECONFIG, and errors that name the variable", () => {
  const c = configFromEnv({ KUBECONFIG: "/k" });
  assert.equal(c.port, 8080);
  assert.equal(c.host, "0.0.0.0");
  assert.equal(c.namespace, "skipper-console");
  assert.deepEqual(c.kube, { kind: "file", path: "/k" });
  assert.deepEqual(c.trustedProxies, []);
  const inCluster = configFromEnv({ KUBERNETES_SERVICE_HOST: "10.43.0.1", KUBECONFIG: "/ignored" });
  assert.deepEqual(inCluster.kube, { kind: "cluster" });
  assert.ok(inCluster.trustedProxies.includes("10.0.0.0/8"));
  const full = configFromEnv({
    KUBECONFIG: "/k",
    PORT: "9000",
    SKIPPER_ADMIN_EMAIL: "a@b.c",
    SKIPPER_ADMIN_PASSWORD: "pw-pw-pw-pw-pw",
    SKIPPER_GATEWAY_DOMAIN: "GW.Example.",
    SKIPPER_CLUSTER_ID: "c1",
  });
  assert.equal(full.port, 9000);
  assert.deepEqual(full.admin, { email: "a@b.c", password: "pw-pw-pw-pw-pw" });
  assert.equal(full.gatewayDomain, "gw.example");
  for (const [env, names] of [
    [{}, "KUBECONFIG"],
    [{ KUBECONFIG: "/k", PORT: "70000" }, "PORT"],
    [{ KUBECONFIG: "/k", PORT: "80a" }, "PORT"],
    [{ KUBECONFIG: "/k", SKIPPER_ADMIN_EMAIL: "a@b.c" }, "SKIPPER_ADMIN_PASSWORD"],
    [{ KUBECONFIG: "/k", SKIPPER_CONSOLE_NAMESPACE: "Bad_NS" }, "SKIPPER_CONSOLE_NAMESPACE"],
  ] as const) {
    assert.throws(
      () => configFromEnv(env),
      (err: Error) => err instanceof ConfigError && err.message.includes(names),
    );
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function run(env: Record<string, string>) {
  return spawnCollected(process.execPath, ["--import", "tsx", MAIN], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
  });
}

test("console-api/main.ts: ready line, healthz, first admin, PEM signing key, drain on SIGTERM; exit 2 on bad config", async (t) => {
  const kube = await startMemoryKube({ objects: [namespace("skipper-console", false), namespace("shop")] });
  t.after(() => kube.close());
  const dir = mkdtempSync(join(tmpdir(), "console-main-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "kubeconfig"), kube.kubeconfig);
  const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" });
  writeFileSync(join(dir, "key.pem"), pem);
  const port = await freePort();
  const p = run({
    PORT: String(port),
    HOST: "127.0.0.1",
    KUBECONFIG: join(dir, "kubeconfig"),
    SKIPPER_CONSOLE_SIGNING_KEY_FILE: join(dir, "key.pem"),
    SKIPPER_ADMIN_EMAIL: "root@example.com",
    SKIPPER_ADMIN_PASSWORD: "first-admin-password",
  });
  try {
    const until = Date.now() + 60_000;
    while (!p.out().includes("listening on")) {
      assert.ok(Date.now() < until && p.child.exitCode === null, `not ready: ${p.out()} ${p.err()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(
      p.out(),
      new RegExp(
        `^skipper console-api listening on http://127\\.0\\.0\\.1:${port} \\(namespace skipper-console\\)\\n$`,
      ),
    );
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok" });
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "root@example.com", password: "first-admin-password" }),
    });
    assert.equal(login.status, 200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    assert.equal(JSON.parse(Buffer.from(accessToken.split(".")[0]!, "base64url").toString()).alg, "ES256");
    assert.match(p.err(), /created the first admin, root@example.com/);
    assert.ok(kube.get("v1", "Secret", "skipper-console", "skipper-console-users"), "users live in a Secret");
    assert.ok(!p.out().includes("first-admin-password") && !p.err().includes("first-admin-password"));
  } finally {
    p.child.kill("SIGTERM");
  }
  assert.equal(await p.exited, 0);
  assert.match(p.out(), /skipper console stopped/);

  const bad = run({ KUBECONFIG: join(dir, "kubeconfig"), PORT: "99999" });
  assert.equal(await bad.exited, 2);
  assert.match(bad.err(), /PORT must be a whole number/);
  const badKey = run({
    KUBECONFIG: join(dir, "kubeconfig"),
    PORT: String(port),
    SKIPPER_CONSOLE_SIGNING_KEY_FILE: join(dir, "kubeconfig"),
  });
  assert.equal(await badKey.exited, 2);
  assert.match(badKey.err(), /SKIPPER_CONSOLE_SIGNING_KEY_FILE: .*not a PEM private key/);
});
