/**
 * Shipping our own code without a private registry: bundling is deterministic, the bundle runs on its own (no
 * node_modules beside it) and serves HTTP, and the ConfigMap size budget is enforced with a clear message.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { bundleEntry, REPO_ROOT } from "../../components/code-bundle.ts";
import { gatewayBundle } from "../../components/gateway.ts";
import {
  assertFitsConfigMap,
  CODE_HASH_ANNOTATION,
  CODE_MOUNT_PATH,
  CONFIGMAP_MAX_BYTES,
  codeCommand,
  codeConfigMap,
} from "../../core/render/code-bundle.ts";
import { renderGateway } from "../../core/render/gateway.ts";
import { gatewayConfig } from "../../core/render/gateway-config.ts";
import { httpRequest, startGatewayProcess } from "./gateway-process.ts";

const FIXTURE = "test/components/fixtures/bundle-entry.ts";
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "skipper-bundle-"));
  temps.push(dir);
  return dir;
}

/** Start `node file` with `env`, resolve with the port it prints; the child is killed by the caller. */
function startNode(
  file: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): { child: ChildProcess; port: Promise<number> } {
  const child = spawn(process.execPath, [file], { env: { PATH: process.env["PATH"], ...env }, stdio: "pipe" });
  const port = new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no ready line within 10 s; output: ${out}`)), 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready; output: ${out}`));
    });
  });
  return { child, port };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe("code bundle", () => {
  it("gives the same bytes for the same sources, whatever the working root", () => {
    const a = bundleEntry({ entry: FIXTURE, cache: false });
    const b = bundleEntry({ entry: FIXTURE, cache: false });
    const c = bundleEntry({
      entry: "fixtures/bundle-entry.ts",
      root: path.join(REPO_ROOT, "test/components"),
      cache: false,
    });
    assert.equal(a.sha256, b.sha256);
    assert.equal(a.code, b.code);
    assert.equal(a.sha256, c.sha256, "the bundle must not embed the directory it was built from");
    assert.equal(a.sha256, createHash("sha256").update(a.code).digest("hex"));
    assert.equal(a.bytes, Buffer.byteLength(a.code));
    assert.equal(a.fileName, "bundle-entry.mjs");
    assert.equal(a.entry, FIXTURE);
    assert.ok(!a.code.includes(REPO_ROOT), "no absolute path of this machine in the bundle");
  });

  it("gives the real gateway the same hash in another process", async () => {
    const here = gatewayBundle().sha256;
    const script =
      'import { gatewayBundle } from "./components/gateway.ts"; process.stdout.write(gatewayBundle().sha256);';
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 0);
    assert.equal(out, here);
  });

  it("changes its hash when the code changes", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "one.ts"), 'console.log("one");\n');
    await writeFile(path.join(dir, "two.ts"), 'console.log("two");\n');
    const one = bundleEntry({ entry: "one.ts", root: dir, fileName: "x.mjs", cache: false });
    const two = bundleEntry({ entry: "two.ts", root: dir, fileName: "x.mjs", cache: false });
    assert.notEqual(one.sha256, two.sha256);
    assert.notEqual(
      codeConfigMap(one, { name: "c", namespace: "n" }).metadata.annotations?.[CODE_HASH_ANNOTATION],
      codeConfigMap(two, { name: "c", namespace: "n" }).metadata.annotations?.[CODE_HASH_ANNOTATION],
    );
  });

  it("runs on its own, away from node_modules, and serves HTTP", async () => {
    const bundle = bundleEntry({ entry: FIXTURE });
    const dir = await tempDir();
    const file = path.join(dir, bundle.fileName);
    await writeFile(file, bundle.code);
    const { child, port } = startNode(file, { FIXTURE_PORT: "0" }, /listening on (\d+)/);
    try {
      const res = await fetch(`http://127.0.0.1:${await port}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ok: true, label: true });
    } finally {
      await stop(child);
    }
  });

  it("fits a ConfigMap and is mounted and run from it", () => {
    const bundle = bundleEntry({ entry: FIXTURE });
    assert.ok(bundle.bytes < CONFIGMAP_MAX_BYTES, `fixture bundle is ${bundle.bytes} bytes`);
    const cm = codeConfigMap(bundle, { name: "code", namespace: "ns" }) as unknown as { data: Record<string, string> };
    assert.equal(cm.data[bundle.fileName], bundle.code);
    assert.deepEqual(codeCommand(bundle), ["node", `${CODE_MOUNT_PATH}/bundle-entry.mjs`]);
  });

  it("refuses a bundle over the ConfigMap limit, naming the entry and the size", () => {
    const code = "x".repeat(CONFIGMAP_MAX_BYTES);
    const big = { entry: "gateway/main.ts", fileName: "gateway.mjs", code, sha256: "0", bytes: code.length };
    assert.throws(() => assertFitsConfigMap(big), /gateway\/main\.ts is 1048587 bytes, over the \d+-byte budget/);
    assert.throws(() => codeConfigMap(big, { name: "c", namespace: "n" }), /ConfigMap/);
  });

  it("reports a missing entry and a syntax error with the file", async () => {
    assert.throws(
      () => bundleEntry({ entry: "no/such/entry.ts", cache: false }),
      /cannot bundle no\/such\/entry\.ts: no such file/,
    );
    const dir = await tempDir();
    await writeFile(path.join(dir, "broken.ts"), "export const x = ;\n");
    assert.throws(
      () => bundleEntry({ entry: "broken.ts", root: dir, cache: false }),
      /cannot bundle broken\.ts: .*broken\.ts:1:\d+/,
    );
  });

  it("the real gateway bundle starts from a ConfigMap-style mount with the pod's env and args", async () => {
    const bundle = gatewayBundle();
    assert.ok(bundle.bytes < CONFIGMAP_MAX_BYTES - 4096, `gateway bundle is ${bundle.bytes} bytes`);
    // The kubelet projects a ConfigMap as symlinks: <mount>/<file> -> ..data/<file>, ..data -> ..<timestamp>.
    const mount = await tempDir();
    await mkdir(path.join(mount, "..2026_01_01_00_00_00.000000001"));
    await writeFile(path.join(mount, "..2026_01_01_00_00_00.000000001", bundle.fileName), bundle.code);
    await symlink("..2026_01_01_00_00_00.000000001", path.join(mount, "..data"));
    await symlink(path.join("..data", bundle.fileName), path.join(mount, bundle.fileName));

    const cfg = gatewayConfig({ baseDomain: "skipper.test", bundle });
    const sts = renderGateway(cfg).find((o) => o.kind === "StatefulSet") as unknown as {
      spec: {
        template: {
          spec: { containers: { command: string[]; args: string[]; env: { name: string; value?: string }[] }[] };
        };
      };
    };
    const container = sts.spec.template.spec.containers[0]!;
    assert.equal(container.command[1], `${CODE_MOUNT_PATH}/gateway.mjs`);
    const adminToken = "admin-token-for-the-bundle-test";
    const env: NodeJS.ProcessEnv = { SKIPPER_GATEWAY_ADMIN_TOKEN: adminToken };
    for (const e of container.env) if (e.value !== undefined) env[e.name] = e.value;
    const data = await tempDir();
    // The pod's args, then what differs on a test machine: loopback, any free port, a temporary registry.
    const args = [...container.args, "--host", "127.0.0.1", "--port", "0", "--data", path.join(data, "registry")];
    const gw = await startGatewayProcess(path.join(mount, bundle.fileName), args, env);
    try {
      // The probe the kubelet sends: GET /healthz with the Host header set to the base domain.
      const health = await httpRequest("GET", `${gw.origin}/healthz`, { host: "skipper.test" });
      assert.equal(health.status, 200);
      assert.match(health.body, /"ok"/);
      const metrics = await httpRequest("GET", `${gw.origin}/metrics`, {
        host: "skipper.test",
        authorization: `Bearer ${adminToken}`,
      });
      assert.equal(metrics.status, 200, "the admin token from the pod's env is the one the gateway accepts");
      const denied = await httpRequest("GET", `${gw.origin}/metrics`, { host: "skipper.test" });
      assert.ok(denied.status === 401 || denied.status === 403, `metrics without the token: ${denied.status}`);
      assert.equal(await gw.stop(), 0, "stops cleanly on SIGTERM, as on a rollout");
    } finally {
      await gw.stop();
    }
  });
});
