/**
 * Shipping the console-api: the packed tree (bundle, argon2's WebAssembly build with its runtime, web assets) is
 * measured and fits the ConfigMaps it is split into; the init container's own script, run by busybox as in the Alpine
 * image, joins the parts, checks the hash and unpacks; and the unpacked tree runs on its own, outside this repository
 * (no node_modules to fall back on), hashing with argon2 through WebAssembly and signing with the derived key.
 *
 * The console-api itself is engineer C's `console-api/main.ts`; the running part here uses a stand-in entry that loads
 * the same libraries (`fixtures/console-entry.ts`), and the size part measures the real entry.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { tarFiles } from "../../components/code-archive.ts";
import { type PackedConsole, packConsole } from "../../components/console.ts";
import { ARGON2_WASI_PACKAGE, CONSOLE_API_FILE } from "../../components/console-bundle.ts";
import { startMemoryKube } from "../../console-api/memory-kube/index.ts";
import { USERS_SECRET } from "../../console-api/users/store.ts";
import { signingKeyPem } from "../../core/ed25519-key.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { CONFIGMAP_MAX_BYTES } from "../../core/render/code-bundle.ts";
import { consoleConfig, renderConsole, unpackScript } from "../../core/render/console.ts";

const FIXTURE = "test/components/fixtures/console-entry.ts";
const temps: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  // Under the system temp folder, never under the repository: nothing may resolve from its node_modules.
  const dir = await mkdtemp(path.join(tmpdir(), "skipper-console-"));
  temps.push(dir);
  return dir;
}

function configMaps(packed: PackedConsole): K8sObject[] {
  const cfg = consoleConfig({ clusterId: "203-0-113-10", adminEmail: "a@example.com", archive: packed });
  return renderConsole(cfg).filter((o) => o.kind === "ConfigMap");
}

/** Raw bytes a ConfigMap counts against its limit: keys plus data plus decoded binaryData. */
function configMapBytes(cm: K8sObject): number {
  let n = 0;
  for (const [k, v] of Object.entries((cm["data"] as Record<string, string>) ?? {}))
    n += k.length + Buffer.byteLength(v);
  for (const [k, v] of Object.entries((cm["binaryData"] as Record<string, string>) ?? {})) {
    n += k.length + Buffer.from(v, "base64").byteLength;
  }
  return n;
}

function report(label: string, packed: PackedConsole, maps: readonly K8sObject[]): void {
  console.log(
    `${label}: bundle ${packed.bundleBytes} B, ${packed.files} files (${packed.webFiles} web), tar ${packed.tarBytes} B, ` +
      `tar.gz ${packed.gzip.byteLength} B in ${maps.length} ConfigMap(s) of ${maps.map(configMapBytes).join(" + ")} B ` +
      `(limit ${CONFIGMAP_MAX_BYTES} B each)`,
  );
}

/** A port free on loopback right now (the console-api refuses PORT=0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A folder of busybox applets only, as on the Alpine image's PATH (no GNU tools to fall back on). */
async function busyboxBin(): Promise<string> {
  const bin = await tempDir();
  const busybox = execFileSync("sh", ["-c", "command -v busybox"]).toString().trim();
  for (const applet of ["sh", "cat", "gunzip", "sha256sum", "tar", "rm", "echo"]) {
    await symlink(busybox, path.join(bin, applet));
  }
  return bin;
}

function runBusybox(bin: string, script: string): void {
  execFileSync(path.join(bin, "sh"), ["-c", script], { stdio: "pipe", env: { PATH: bin } });
}

/** Lay the ConfigMaps out as the kubelet mounts them (one folder per part) and run the init container's script. */
async function unpackLikeThePod(packed: PackedConsole): Promise<{ pod: string; app: string }> {
  const cfg = consoleConfig({ clusterId: "203-0-113-10", adminEmail: "a@example.com", archive: packed });
  const maps = renderConsole(cfg).filter((o) => o.kind === "ConfigMap");
  const pod = await tempDir();
  const dirs = { archive: path.join(pod, "archive"), app: path.join(pod, "app") };
  await mkdir(dirs.app);
  for (const [i, cm] of maps.entries()) {
    await mkdir(path.join(dirs.archive, String(i)), { recursive: true });
    const data = Buffer.from((cm["binaryData"] as Record<string, string>)["part"] as string, "base64");
    await writeFile(path.join(dirs.archive, String(i), "part"), data);
  }
  runBusybox(await busyboxBin(), unpackScript(cfg, maps.length, dirs));
  return { pod, app: dirs.app };
}

/** Start `node <bundle>` as the container does; resolve with the first stdout line matching `ready`. */
function startUnpacked(app: string, cwd: string, env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", path.join(app, CONSOLE_API_FILE)], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", NAPI_RS_FORCE_WASI: "error", NODE_ENV: "production", ...env },
    stdio: "pipe",
  });
  children.push(child);
  const line = new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`not ready within 60 s: ${out.slice(-2000)}`)), 60_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = out.split("\n").find((l) => ready.test(l));
      if (m !== undefined) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out.slice(-2000)}`));
    });
  });
  return { child, line };
}

describe("console archive", () => {
  it("measures the real console-api and fits every ConfigMap part under 1 MiB", () => {
    const packed = packConsole();
    const maps = configMaps(packed);
    report("console-api/main.ts", packed, maps);
    assert.ok(packed.bundleBytes > 500_000, "Fastify, client-node and jose are in the bundle, not left out");
    assert.ok(packed.gzip.byteLength > CONFIGMAP_MAX_BYTES / 4);
    for (const cm of maps) assert.ok(configMapBytes(cm) <= CONFIGMAP_MAX_BYTES, `${cm.metadata.name} over 1 MiB`);
    const total = maps.reduce((n, cm) => n + configMapBytes(cm) - "part".length, 0);
    assert.equal(total, packed.gzip.byteLength, "the parts hold the whole archive, nothing dropped");
  });

  it("is deterministic and holds the bundle, argon2's WebAssembly package and its runtime", () => {
    const a = packConsole({ entry: FIXTURE, webDir: false });
    const b = packConsole({ entry: FIXTURE, webDir: false, root: `${process.cwd()}/.` });
    assert.notEqual(a, b, "two separate packings (different cache keys)");
    assert.equal(a.tarSha256, b.tarSha256);
    assert.deepEqual(Buffer.from(a.gzip), Buffer.from(b.gzip));
    const listing = execFileSync("tar", ["-tzf", "-"], { input: a.gzip }).toString().split("\n");
    for (const f of [
      CONSOLE_API_FILE,
      `node_modules/${ARGON2_WASI_PACKAGE}/argon2.wasm32-wasi.wasm`,
      `node_modules/${ARGON2_WASI_PACKAGE}/wasi-worker.mjs`,
      `node_modules/${ARGON2_WASI_PACKAGE}/package.json`,
      "node_modules/@napi-rs/wasm-runtime/package.json",
    ]) {
      assert.ok(listing.includes(f), `${f} in the archive`);
    }
    assert.ok(!listing.some((f) => /\.d\.[cm]?ts$|\.map$/.test(f)), "no declarations or source maps");
    assert.ok(!listing.some((f) => f.startsWith("web/")), "webDir: false ships no web console");
  });

  it("refuses unsafe or duplicate paths in an archive", () => {
    const data = new Uint8Array([1]);
    assert.throws(() => tarFiles([{ path: "../etc/passwd", data }]), /relative/);
    assert.throws(() => tarFiles([{ path: "/abs", data }]), /relative/);
    assert.throws(
      () =>
        tarFiles([
          { path: "a", data },
          { path: "a", data },
        ]),
      /twice/,
    );
    assert.throws(
      () =>
        tarFiles([
          { path: "a", data },
          { path: "a/b", data },
        ]),
      /both a file and a directory/,
    );
  });

  it("unpacks with the init container's script under busybox and runs standalone with argon2 and the key", async () => {
    const webDir = await tempDir();
    await writeFile(path.join(webDir, "index.html"), "<!doctype html><title>console</title>");
    await mkdir(path.join(webDir, "assets"));
    await writeFile(path.join(webDir, "assets", "app.js"), "console.log(1)");
    const packed = packConsole({ entry: FIXTURE, webDir });
    assert.equal(packed.webFiles, 2);
    const bin = await busyboxBin();
    const cfg = consoleConfig({ clusterId: "203-0-113-10", adminEmail: "a@example.com", archive: packed });
    report("stand-in entry", packed, configMaps(packed));
    const { pod, app } = await unpackLikeThePod(packed);
    assert.equal(await readFile(path.join(app, "web", "assets", "app.js"), "utf8"), "console.log(1)");

    // Parts that do not match the hash in the pod template are refused before anything is unpacked.
    const bad = await tempDir();
    const badDirs = { archive: path.join(bad, "archive"), app: path.join(bad, "app") };
    await mkdir(badDirs.app);
    await mkdir(path.join(badDirs.archive, "0"), { recursive: true });
    await writeFile(path.join(badDirs.archive, "0", "part"), Buffer.from(cfg.archive.gzip));
    const forged = consoleConfig({ ...cfg, archive: { ...cfg.archive, tarSha256: "0".repeat(64) } });
    assert.throws(() => runBusybox(bin, unpackScript(forged, 1, badDirs)), /SHA-256 mismatch/);
    assert.deepEqual(await readdir(badDirs.app), [".archive.tar"], "nothing unpacked");

    // Run the unpacked tree as the container does.
    const keyFile = path.join(pod, "signing-key.pem");
    await writeFile(keyFile, signingKeyPem("k".repeat(64)));
    const { child, line } = startUnpacked(
      app,
      pod,
      {
        HOST: "127.0.0.1",
        PORT: "0",
        SKIPPER_ADMIN_PASSWORD: "first-admin-pw",
        SKIPPER_CONSOLE_SIGNING_KEY_FILE: keyFile,
        SKIPPER_CONSOLE_WEB_DIR: path.join(app, "web"),
      },
      /^\{/,
    );
    const ready = JSON.parse(await line) as Record<string, unknown>;
    assert.deepEqual(
      { ...ready, port: typeof ready["port"] },
      {
        port: "number",
        argon2: true,
        verified: true,
        wrongRejected: true,
        jwtSub: "a@example.com",
        kubeConfig: "function",
        metrics: "function",
      },
    );
    const health = await fetch(`http://127.0.0.1:${ready["port"]}/healthz`);
    assert.equal(health.status, 200);
    const page = await fetch(`http://127.0.0.1:${ready["port"]}/index.html`);
    assert.match(await page.text(), /<title>console<\/title>/);
    child.kill("SIGTERM");
  });

  it("runs the real console-api from the unpacked archive: first admin, argon2 login, tokens from the mounted key", async () => {
    const { pod, app } = await unpackLikeThePod(packConsole());
    const kube = await startMemoryKube({
      objects: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "skipper-console" } }],
    });
    after(() => kube.close());
    const kubeconfig = path.join(pod, "kubeconfig");
    await writeFile(kubeconfig, kube.kubeconfig);
    const keyFile = path.join(pod, "signing-key.pem");
    await writeFile(keyFile, signingKeyPem(randomBytes(48).toString("base64url")));
    const port = await freePort();
    const { child, line } = startUnpacked(
      app,
      pod,
      {
        HOST: "127.0.0.1",
        PORT: String(port),
        KUBECONFIG: kubeconfig,
        SKIPPER_CONSOLE_NAMESPACE: "skipper-console",
        SKIPPER_ADMIN_EMAIL: "ops@example.com",
        SKIPPER_ADMIN_PASSWORD: "first-admin-pw-4e1c",
        SKIPPER_CONSOLE_SIGNING_KEY_FILE: keyFile,
        SKIPPER_CLUSTER_ID: "203-0-113-10",
      },
      /listening on/,
    );
    await line;
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const login = (password: string) =>
      fetch(`${base}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "ops@example.com", password }),
      });
    assert.equal((await login("wrong-password")).status, 401);
    const ok = await login("first-admin-pw-4e1c");
    assert.equal(ok.status, 200);
    const { accessToken } = (await ok.json()) as { accessToken: string };
    const header = JSON.parse(Buffer.from(accessToken.split(".")[0] as string, "base64url").toString()) as {
      alg: string;
    };
    assert.equal(header.alg, "EdDSA", "signed with the Ed25519 key the stack mounts");
    const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(me.status, 200);
    assert.match(await me.text(), /ops@example\.com/);
    // The users Secret holds an argon2id hash (computed by the WebAssembly build), never the password.
    const secret = kube.get("v1", "Secret", "skipper-console", USERS_SECRET) as { data?: Record<string, string> };
    assert.ok(secret, `Secret ${USERS_SECRET} created in the console's namespace`);
    const stored = Object.values(secret.data ?? {})
      .map((v) => Buffer.from(v, "base64").toString("utf8"))
      .join("\n");
    assert.match(stored, /\$argon2id\$/);
    assert.ok(!stored.includes("first-admin-pw-4e1c"));
    child.kill("SIGTERM");
  });
});
