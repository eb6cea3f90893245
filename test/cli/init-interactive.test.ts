/**
 * The interactive `kip init`, driven through a real pseudo-terminal (`script` from util-linux) that answers the real
 * prompts as they appear: a wrong image is refused on the spot with the validator's words, the host key is fetched
 * from an SSH server on 127.0.0.1 (ssh2, a real server: ssh-keyscan talks SSH to it) and pinned after its
 * fingerprint is shown, and the project is written. Ctrl-C writes nothing.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stripVTControlCharacters } from "node:util";
import ssh2 from "ssh2";
import { StackFile } from "../../cli/codegen/stack-edit.ts";
import { KIP, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-pty-");
let server: ssh2.Server;
let sshPort: number;
let hostKeyLine: string;
let fingerprint: string;

before(async () => {
  const keyFile = join(tmp.dir, "host_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]);
  hostKeyLine = readFileSync(`${keyFile}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  fingerprint = execFileSync("ssh-keygen", ["-lf", `${keyFile}.pub`], { encoding: "utf8" }).split(/\s+/)[1]!;
  server = new ssh2.Server({ hostKeys: [readFileSync(keyFile)] }, (client) => {
    client.on("authentication", (ctx) => ctx.reject());
    client.on("error", () => {});
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  sshPort = (server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  tmp.cleanup();
});

const ENTER = "\r";
const DOWN = "\x1b[B";

interface Step {
  readonly when: RegExp;
  readonly send: string;
}

/** Run `kip args…` in a pseudo-terminal, sending each step's keys once its prompt has appeared. */
function inTerminal(
  args: readonly string[],
  steps: readonly Step[],
): Promise<{ code: number | null; screen: string; done: number }> {
  const quoted = [process.execPath, KIP, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return new Promise((ok, fail) => {
    const child = spawn("script", ["-qfec", quoted, "/dev/null"], { cwd: tmp.dir, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let from = 0;
    let done = 0;
    child.stdout.on("data", (d: Buffer) => {
      screen += stripVTControlCharacters(d.toString("utf8"));
      const step = steps[done];
      if (step?.when.test(screen.slice(from))) {
        from = screen.length;
        done++;
        child.stdin.write(step.send);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      ok({ code, screen, done });
    });
  });
}

describe("kip init in a terminal", () => {
  it("asks, checks each answer with the validator, pins the fetched host key, writes the project", async () => {
    const dir = join(tmp.dir, "asked");
    const steps: Step[] = [
      { when: /Server address/, send: `127.0.0.1${ENTER}` },
      { when: /SSH user/, send: `deploy${ENTER}` },
      { when: /Fetch 127\.0\.0\.1's SSH host key/, send: `y${ENTER}` },
      { when: /fingerprint match/, send: ENTER },
      { when: /How are apps reached/, send: ENTER },
      { when: /Gateway domain/, send: `apps.example.net${ENTER}` },
      { when: /web console/, send: `n${ENTER}` },
      { when: /Add a database/, send: `${DOWN}${ENTER}` },
      { when: /Its name/, send: ENTER },
      { when: /Add another database/, send: `${DOWN}${DOWN}${DOWN}${ENTER}` },
      { when: /Its name/, send: `cache${ENTER}` },
      { when: /Add another database/, send: ENTER },
      { when: /Add an app/, send: `y${ENTER}` },
      { when: /App name/, send: ENTER },
      { when: /Container image/, send: `Web:latest "oops"${ENTER}` },
      { when: /must not contain whitespace/, send: "\x15ghcr.io/acme/web:1.4.2\r" },
      { when: /Port it listens/, send: `3000${ENTER}` },
      { when: /Databases it uses/, send: ENTER },
      { when: /Add another app/, send: `y${ENTER}` },
      { when: /App name/, send: `worker${ENTER}` },
      { when: /Container image/, send: `ghcr.io/acme/worker:1.4.2${ENTER}` },
      { when: /Port it listens/, send: ENTER },
      { when: /Databases it uses/, send: ENTER },
      { when: /Add another app/, send: ENTER },
    ];
    const r = await inTerminal(["init", dir, "--ssh-port", String(sshPort)], steps);
    assert.equal(r.done, steps.length, `stopped after step ${r.done}:\n${r.screen.slice(-1500)}`);
    assert.equal(r.code, 0, r.screen.slice(-1500));
    assert.ok(r.screen.includes(fingerprint), "the fingerprint was not shown");
    const stack = new StackFile(readFileSync(join(dir, "skipper.ts"), "utf8"));
    assert.deepEqual(stack.hosts(), [{ address: "127.0.0.1", user: "deploy", hostKey: hostKeyLine }]);
    assert.deepEqual(stack.literal("domain"), { gateway: "apps.example.net" });
    assert.equal(stack.literal("console"), undefined);
    assert.deepEqual(
      stack.entries("services").map((e) => [e.name, e.value]),
      [
        ["db", { engine: "postgres" }],
        ["cache", { engine: "redis" }],
      ],
    );
    assert.deepEqual(
      stack.entries("apps").map((e) => [e.name, e.value]),
      [
        ["web", { image: "ghcr.io/acme/web:1.4.2", port: 3000, bind: ["db", "cache"] }],
        ["worker", { image: "ghcr.io/acme/worker:1.4.2", bind: ["db", "cache"] }],
      ],
    );
  });

  it("Ctrl-C at a question writes nothing", async () => {
    const dir = join(tmp.dir, "cancelled");
    const r = await inTerminal(
      ["init", dir],
      [
        { when: /Server address/, send: `203.0.113.10${ENTER}` },
        { when: /SSH user/, send: "\x03" },
      ],
    );
    assert.equal(r.done, 2);
    assert.notEqual(r.code, 0);
    assert.match(r.screen, /cancelled; nothing was written/);
    assert.equal(existsSync(dir), false);
  });
});
