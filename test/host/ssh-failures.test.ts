/**
 * Issue 3, scenario 5 and the host-key pinning helper: SSH failures surface fast and clearly (wrong key, nothing
 * listening, a host that accepts but never answers, a host key that differs from the pinned one, refused before any
 * command runs), and `kip hostkey` prints the key in the form the stack takes.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ssh2 from "ssh2";
import { fetchHostKeys } from "../../cli/commands/hostkey.ts";
import { hostKeyFingerprint, parseHostKey } from "../../core/k3s/hostkey.ts";
import type { HostStep } from "../../core/k3s/steps.ts";
import { type Fixture, makeFixture } from "./fixture.ts";
import { type TestHost, waitForPort } from "./lab.ts";
import { dial, runStep, type Traffic } from "./ssh.ts";

const KIP = fileURLToPath(new URL("../../cli/bin/kip.js", import.meta.url));
const MARKER = "root/skipper-command-ran";
const touch: HostStep = { name: "touch", create: `touch /${MARKER}`, triggers: [], timeoutSeconds: 10 };

/** Time `fn`, expecting it to reject; returns the error and the milliseconds it took. */
async function timedFailure(fn: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const t0 = Date.now();
  const error = await fn().then(
    () => assert.fail("expected a failure"),
    (e: unknown) => e as Error,
  );
  return { error, ms: Date.now() - t0 };
}

describe("SSH failures and host key pinning", () => {
  let fx: Fixture;
  let host: TestHost;

  before(async () => {
    fx = await makeFixture();
    host = await fx.lab.addHost();
  });
  after(async () => {
    await fx?.close();
  });

  it("kip hostkey fetches the host's ed25519 key in the config form, with its OpenSSH fingerprint", async () => {
    const keys = await fetchHostKeys(host.address, 22, 5);
    assert.ok(keys.some((k) => `${k.type} ${k.key}` === host.hostKey));
    const out = JSON.parse(
      execFileSync(process.execPath, [KIP, "hostkey", host.address, "--json"], { encoding: "utf8" }),
    );
    assert.equal(out.hostKey, host.hostKey);
    const keygen = execFileSync("ssh-keygen", ["-lf", join(host.root, "etc/ssh/ssh_host_ed25519_key.pub")], {
      encoding: "utf8",
    });
    assert.equal(out.fingerprint, keygen.split(/\s+/)[1]);
    assert.equal(out.fingerprint, hostKeyFingerprint(parseHostKey(host.hostKey)));
    const line = execFileSync(process.execPath, [KIP, "hostkey", host.address], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    assert.equal(line, `${host.hostKey}\n`);
  });

  it("kip hostkey on a closed port fails with the address and a fix", () => {
    let stderr = "";
    try {
      execFileSync(process.execPath, [KIP, "hostkey", host.address, "--port", "2222", "--timeout", "2"], {
        stdio: "pipe",
      });
      assert.fail("expected a non-zero exit");
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
      assert.equal((e as { status: number }).status, 1);
    }
    assert.match(
      stderr,
      new RegExp(`no SSH host key from ${host.address.replaceAll(".", "\\.")}:2222 within 2 s\\. Fix:`),
    );
  });

  it("the pinned host key lets commands run; a different key is refused before any command", async () => {
    await runStep(fx.connection(host, { hostKey: host.hostKey }), touch, fx.token);
    assert.ok(existsSync(join(host.root, MARKER)), "control: with the right key the command ran");
    execFileSync("rm", ["-f", join(host.root, MARKER)]);
    const other = ssh2.utils.generateKeyPairSync("ed25519").public.split(" ").slice(0, 2).join(" ");
    const traffic: Traffic = { connections: 0, commands: 0 };
    const { error } = await timedFailure(() =>
      runStep(fx.connection(host, { hostKey: other }), touch, fx.token, traffic),
    );
    assert.match(error.message, /host key mismatch: .* refusing to connect \(no command ran\)\. Fix: .*kip hostkey/);
    assert.ok(!existsSync(join(host.root, MARKER)), "no command ran");
    assert.deepEqual(traffic, { connections: 1, commands: 0 }, "refused on the first connection, not retried");
  });

  it("a key the host does not accept fails at once, naming the user and the fix", async () => {
    const wrong = ssh2.utils.generateKeyPairSync("ed25519").private;
    const traffic: Traffic = { connections: 0, commands: 0 };
    const { error } = await timedFailure(() =>
      dial(fx.connection(host, { privateKey: wrong, dialErrorLimit: 5 }), traffic),
    );
    assert.equal(traffic.connections, 1, "an authentication failure is not retried");
    assert.match(error.message, /the host refused the SSH key for user root\. Fix: add the matching public key/);
  });

  it("nothing listening: a bounded number of quick attempts, then a clear error", async () => {
    const traffic: Traffic = { connections: 0, commands: 0 };
    const { error } = await timedFailure(() =>
      dial(fx.connection(host, { port: 2222, dialErrorLimit: 3, perDialTimeout: 2 }), traffic),
    );
    assert.equal(traffic.connections, 3, "exactly dialErrorLimit attempts");
    assert.match(
      error.message,
      /could not connect after 3 attempt\(s\) of at most 2 s \(.*ECONNREFUSED.*\)\. Fix: check the address and port/,
    );
  });

  it("a host that accepts but never speaks SSH: bounded by perDialTimeout x dialErrorLimit", async (t) => {
    const silent = host.spawnInNetns(process.execPath, [
      "-e",
      "require('net').createServer(() => {}).listen(2200, '0.0.0.0')",
    ]);
    try {
      await waitForPort(host.address, 2200, 5000);
      const traffic: Traffic = { connections: 0, commands: 0 };
      const { error, ms } = await timedFailure(() =>
        dial(fx.connection(host, { port: 2200, dialErrorLimit: 2, perDialTimeout: 1 }), traffic),
      );
      t.diagnostic(`silent host gave up after ${ms} ms`);
      // Each attempt ended on the handshake timeout (the message), and there were exactly dialErrorLimit of them.
      assert.match(error.message, /could not connect after 2 attempt\(s\) of at most 1 s \(.*handshake.*\)/);
      assert.equal(traffic.connections, 2);
    } finally {
      silent.kill("SIGKILL");
    }
  });
});
