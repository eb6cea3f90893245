/**
 * `kip doctor` (the real binary) on a project made here: the stand-in `pulumi` on PATH, a loopback server that
 * answers like sshd, a stack config with a plain-text secret, a wrong type and a typo, and a key file others can read.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runKip, tempDir } from "./synth-support.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const tmp = tempDir("kip-doctor-");
let sshd: Server;
let port: number;

const PULUMI_YAML = `name: shop
runtime: nodejs
main: skipper.ts
config:
  host: { type: string }
  sshPrivateKey: { type: string, secret: true }
  replicas: { type: integer, default: 1 }
`;

function project(name: string, stackConfig: string, keyMode: number): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "Pulumi.yaml"), PULUMI_YAML);
  writeFileSync(join(dir, "skipper.ts"), "export default {};\n");
  writeFileSync(join(dir, "Pulumi.dev.yaml"), stackConfig);
  writeFileSync(
    join(dir, "id_ed25519"),
    "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
    {
      mode: keyMode,
    },
  );
  return dir;
}

async function doctor(dir: string, extra: string[] = []) {
  const run = await runKip(
    ["doctor", "--json", "--skip-stack", "--port", String(port), "--ssh-key", join(dir, "id_ed25519"), ...extra],
    { cwd: dir, env: { PATH: [join(HERE, "pulumi-standin"), dirname(process.execPath)].join(delimiter) } },
  );
  return {
    ...run,
    report: JSON.parse(run.stdout || "{}") as {
      ok: boolean;
      checks: { name: string; status: string; fix?: string; detail: string }[];
    },
  };
}

before(async () => {
  sshd = createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
  await new Promise<void>((resolve) => sshd.listen(0, "127.0.0.1", resolve));
  port = (sshd.address() as { port: number }).port;
});
after(async () => {
  await new Promise((resolve) => sshd.close(resolve));
  tmp.cleanup();
});

describe("kip doctor", () => {
  it("finds a plain-text secret, a wrong type, an undeclared key and a key file others can read", async () => {
    const dir = project(
      "broken",
      "config:\n  shop:host: 127.0.0.1\n  shop:sshPrivateKey: plain-text-key\n  shop:replicas: many\n  shop:hots: typo\n",
      0o644,
    );
    const { code, report } = await doctor(dir);
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.map((c) => [c.name, c.status]),
      [
        ["node", "ok"],
        ["pulumi", "ok"],
        ["project", "ok"],
        ["config dev", "fail"],
        ["ssh key", "fail"],
        ["ssh 127.0.0.1", "ok"],
        ["host key 127.0.0.1", "warn"],
      ],
    );
    const config = report.checks.find((c) => c.name === "config dev");
    assert.equal(
      config?.fix,
      "shop:sshPrivateKey is a secret stored in plain text: pulumi config set --secret shop:sshPrivateKey --stack dev; " +
        "shop:replicas must be integer (Pulumi.yaml); shop:hots is not declared in Pulumi.yaml",
    );
    assert.equal(report.checks.find((c) => c.name === "ssh key")?.fix, `chmod 600 ${join(dir, "id_ed25519")}`);
    assert.match(report.checks.find((c) => c.name === "pulumi")?.detail ?? "", /v3\.140\.0/);
    assert.match(report.checks.find((c) => c.name === "ssh 127.0.0.1")?.detail ?? "", /OpenSSH_9\.2p1/);
    assert.match(report.checks.find((c) => c.name === "host key 127.0.0.1")?.fix ?? "", /kip hostkey 127\.0\.0\.1/);
  });

  it("passes a sound project (warnings allowed) and names a host it cannot reach", async () => {
    const dir = project(
      "sound",
      "config:\n  shop:host: 127.0.0.1\n  shop:sshPrivateKey:\n    secure: v1:AAAA\n  shop:replicas: 2\n",
      0o600,
    );
    const ok = await doctor(dir);
    assert.equal(ok.code, 0, ok.stdout);
    assert.ok(ok.report.checks.every((c) => c.status !== "fail"));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runKip(
      ["doctor", "--skip-stack", "--port", String(deadPort), "--ssh-key", join(dir, "id_ed25519")],
      {
        cwd: dir,
        env: { PATH: [join(HERE, "pulumi-standin"), dirname(process.execPath)].join(delimiter), NO_COLOR: "1" },
      },
    );
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      new RegExp(`FAIL {2}ssh 127\\.0\\.0\\.1 +cannot reach 127\\.0\\.0\\.1:${deadPort} \\(.*ECONNREFUSED`),
    );
    assert.match(run.stdout, /fix: check the address, that sshd runs/);
  });

  it("says how to install Pulumi when it is missing", async () => {
    const dir = project("nopulumi", "config:\n  shop:sshPrivateKey:\n    secure: v1:AAAA\n", 0o600);
    const run = await runKip(["doctor", "--json", "--skip-stack", "--ssh-key", join(dir, "id_ed25519")], {
      cwd: dir,
      env: { PATH: dirname(process.execPath) },
    });
    const pulumi = JSON.parse(run.stdout).checks.find((c: { name: string }) => c.name === "pulumi");
    assert.equal(pulumi.status, "fail");
    assert.match(pulumi.fix, /get\.pulumi\.com/);
  });
});
