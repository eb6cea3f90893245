/**
 * The registration scripts for real: bash and curl on this machine against the real gateway process (bundled, on
 * loopback, `--allow-private` so 127.0.0.1 may register). Register, run again (update, same token), read the token,
 * send a heartbeat with the CronJob's own curl arguments, refuse a stale token with a clear message, release. Behind a
 * "load balancer" (the claimed address 127.0.0.2, the script calling from 127.0.0.1): wait for the real proof
 * responder there, then register with proofKey.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gatewayBundle } from "../../components/gateway.ts";
import type { Host } from "../../core/model.ts";
import {
  type RegistrationConfig,
  readTokenScript,
  registerScript,
  registrationConfig,
  releaseScript,
} from "../../core/render/gateway-registration.ts";
import { AUTHORIZATION_KEY, heartbeatConfig, renderHeartbeat } from "../../core/render/heartbeat.ts";
import { closedPort, type Listening, seededKey, startResponder } from "../gateway/proof-support.ts";
import { seededRandom } from "../gateway/seeded-random.ts";
import { httpRequest, type RunningGateway, startGatewayProcess } from "./gateway-process.ts";

const BASE = "skipper.test";
const HOST: Host = {
  index: 0,
  address: "127.0.0.1",
  user: "root",
  port: 22,
  role: "server",
  tlsSans: [],
  nodeName: "node-1",
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command string the way the SSH session of `remote.Command` does: handed to a shell as one string. */
function shell(command: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function run(cmd: string[]): Promise<Run> {
  return shell(cmd.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" "));
}

let work: string;
let gateway: RunningGateway;
let cfg: RegistrationConfig;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), "skipper-registration-"));
  const bundle = gatewayBundle();
  const file = path.join(work, bundle.fileName);
  await writeFile(file, bundle.code);
  gateway = await startGatewayProcess(file, [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--base-domain",
    BASE,
    "--data",
    path.join(work, "registry"),
    "--allow-private",
  ]);
  cfg = registrationConfig({
    baseDomain: BASE,
    ip: "127.0.0.1",
    origin: gateway.origin,
    stateDir: path.join(work, "state"),
    waitSeconds: 10,
  });
});

after(async () => {
  await gateway?.stop();
  await rm(work, { recursive: true, force: true });
});

async function token(): Promise<string> {
  return readFile(path.join(cfg.stateDir, "token"), "utf8");
}

async function record(bearer: string) {
  return httpRequest("GET", `${gateway.origin}/v1/clusters/127-0-0-1`, {
    host: BASE,
    authorization: `Bearer ${bearer}`,
  });
}

describe("registration scripts against the real gateway", () => {
  let first: string;

  it("registers the cluster and keeps the token in root-only files, printing only the id", async () => {
    const r = await shell(registerScript(cfg, HOST));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /skipper: changed registration of cluster 127-0-0-1 at skipper\.test/);
    first = await token();
    assert.ok(first.length >= 16, "a token was stored");
    assert.ok(!r.stdout.includes(first) && !r.stderr.includes(first), "the token is never printed");
    assert.equal((await stat(cfg.stateDir)).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(cfg.stateDir, "token"))).mode & 0o777, 0o600);
    assert.equal(await readFile(path.join(cfg.stateDir, "authorization"), "utf8"), `Authorization: Bearer ${first}\n`);
    const got = await record(first);
    assert.equal(got.status, 200, got.body);
    assert.match(got.body, /"127\.0\.0\.1"/);
    assert.ok(!got.body.includes(first), "the record is served without its token");
  });

  it("runs again without registering anew: same token, address confirmed", async () => {
    const r = await shell(registerScript(cfg, HOST));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /skipper: unchanged registration of cluster 127-0-0-1/);
    assert.equal(await token(), first);
  });

  it("prints the token from the read step, and nothing else", async () => {
    const r = await shell(readTokenScript(cfg, HOST));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, first);
  });

  it("sends a heartbeat with the CronJob's own curl arguments and header file", async () => {
    const hb = heartbeatConfig({ baseDomain: BASE, clusterId: cfg.clusterId });
    const cron = renderHeartbeat(hb).find((o) => o.kind === "CronJob") as unknown as {
      spec: { jobTemplate: { spec: { template: { spec: { containers: { command: string[]; args: string[] }[] } } } } };
    };
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0]!;
    // Same flags; only the places differ: the header file where this test keeps it, the gateway on loopback.
    const args = c.args.map((a) =>
      a.endsWith(`/${AUTHORIZATION_KEY}`) && a.startsWith("@")
        ? `@${path.join(cfg.stateDir, "authorization")}`
        : a.replace(`https://${BASE}`, gateway.origin),
    );
    const r = await run([...c.command, ...args, "--header", `Host: ${BASE}`]);
    assert.equal(r.code, 0, `heartbeat failed: ${r.stdout} ${r.stderr}`);
    const wrong = args.map((a) => (a.startsWith("@") ? `@${path.join(work, "stale-header")}` : a));
    await writeFile(path.join(work, "stale-header"), "Authorization: Bearer not-the-token\n");
    const refused = await run([
      ...c.command,
      ...wrong.filter((a) => a !== "--retry-all-errors"),
      "--retry",
      "0",
      "--header",
      `Host: ${BASE}`,
    ]);
    assert.notEqual(refused.code, 0, "a wrong token must fail the heartbeat job");
  });

  it("fails with a message a person can act on when the stored token is stale, and changes nothing", async () => {
    const auth = path.join(cfg.stateDir, "authorization");
    await writeFile(auth, "Authorization: Bearer stale-token-000000000000\n", { mode: 0o600 });
    const r = await shell(registerScript(cfg, HOST));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /skipper: error: gateway registration on node-1 \(127\.0\.0\.1\): the gateway refused the update of cluster 127-0-0-1 \(HTTP 40[13]/,
    );
    assert.match(r.stderr, /Fix: /);
    assert.equal((await record(first)).status, 200, "the registration is untouched");
    await writeFile(auth, `Authorization: Bearer ${first}\n`, { mode: 0o600 });
  });

  it("releases the id on destroy and forgets the token; a later run registers again", async () => {
    const r = await shell(releaseScript(cfg, HOST));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /skipper: changed released cluster 127-0-0-1/);
    await assert.rejects(stat(cfg.stateDir), /ENOENT/);
    const gone = await record(first);
    assert.ok(gone.status === 404 || gone.status === 401 || gone.status === 403, `after release: ${gone.status}`);
    const again = await shell(registerScript(cfg, HOST));
    assert.equal(again.code, 0, again.stderr);
    assert.notEqual(await token(), first, "a new registration has a new token");
    const twice = await shell(releaseScript(cfg, HOST));
    assert.equal(twice.code, 0);
    const none = await shell(releaseScript(cfg, HOST));
    assert.equal(none.code, 0, "releasing what is not registered is not an error");
    assert.match(none.stdout, /unchanged no registration/);
  });

  it("gives up within its bound, with the reason, when the gateway does not answer", async () => {
    const down = registrationConfig({
      baseDomain: BASE,
      ip: "127.0.0.1",
      origin: "http://127.0.0.1:9",
      stateDir: path.join(work, "state-down"),
      waitSeconds: 1,
    });
    const started = Date.now();
    const r = await shell(registerScript(down, HOST));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /did not answer \/healthz within 1s/);
    assert.ok(Date.now() - started < 15_000);
  });
});

describe("registration scripts behind a load balancer: the address proven by challenge", () => {
  const rng = seededRandom("registration proof keys");
  const key = seededKey(rng);
  const other = seededKey(rng);
  const servers: Listening[] = [];
  after(() => Promise.all(servers.map((l) => l.close())));

  function lbConfig(name: string, port: number, proofKey: string, waitSeconds = 10): RegistrationConfig {
    return registrationConfig({
      baseDomain: BASE,
      ip: "127.0.0.2",
      port,
      name,
      origin: gateway.origin,
      stateDir: path.join(work, `state-${name}`),
      waitSeconds,
      proofKey,
    });
  }

  it("waits for the proof path at the public address, then registers with proofKey; a second run confirms", async () => {
    const responder = await startResponder("lb-acme", key);
    servers.push(responder);
    const lb = lbConfig("lb-acme", responder.port, key.proofKey);
    const r = await shell(registerScript(lb, HOST));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `skipper: ok address proof answers at http://127\\.0\\.0\\.2:${responder.port}/\\.well-known/skipper-gateway/lb-acme`,
      ),
    );
    assert.match(r.stdout, /skipper: changed registration of cluster lb-acme at skipper\.test/);
    assert.ok(
      responder.seen.every((s) => s.host === `lb-acme.${BASE}`),
      "every request carried the cluster's host",
    );
    const probes = responder.seen.length;
    assert.ok(probes >= 2, "the script's own check and the gateway's challenge");
    const bearer = (await readFile(path.join(lb.stateDir, "token"), "utf8")).trim();
    const got = await httpRequest("GET", `${gateway.origin}/v1/clusters/lb-acme`, {
      host: BASE,
      authorization: `Bearer ${bearer}`,
    });
    assert.equal(got.status, 200, got.body);
    assert.match(got.body, /"ip":"127\.0\.0\.2"/);

    const again = await shell(registerScript(lb, HOST));
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /skipper: unchanged registration of cluster lb-acme at skipper\.test \(address confirmed\)/,
    );
    assert.ok(responder.seen.length >= probes + 2, "the move was proven again");
  });

  it("fails naming the gateway's reason when the responder signs with another key; nothing is registered", async () => {
    const responder = await startResponder("lb-wrong", other);
    servers.push(responder);
    const lb = lbConfig("lb-wrong", responder.port, key.proofKey);
    const r = await shell(registerScript(lb, HOST));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the gateway refused to register cluster lb-wrong \(HTTP 403: .*the address proof failed/);
    assert.match(
      r.stderr,
      /Fix: the gateway challenged http:\/\/127\.0\.0\.2:\d+\/\.well-known\/skipper-gateway\/lb-wrong/,
    );
    await assert.rejects(stat(path.join(lb.stateDir, "token")), /ENOENT/);
  });

  it("gives up within waitSeconds, naming the address and what to check, when nothing answers there", async () => {
    const lb = lbConfig("lb-down", await closedPort(), key.proofKey, 1);
    const r = await shell(registerScript(lb, HOST));
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /skipper: waiting for the address proof at http:\/\/127\.0\.0\.2:\d+\/\.well-known\/skipper-gateway\/lb-down \(HTTP 000/,
    );
    assert.match(
      r.stderr,
      /the address proof at http:\/\/127\.0\.0\.2:\d+\/\.well-known\/skipper-gateway\/lb-down \(Host: lb-down\.skipper\.test\) did not answer 200 within 1 s \(last: 000/,
    );
    assert.match(
      r.stderr,
      /check that the load balancer at 127\.0\.0\.2 forwards port \d+ to the servers and its health checks pass, and that Traefik routes/,
    );
    await assert.rejects(stat(path.join(lb.stateDir, "token")), /ENOENT/);
  });

  it("refuses a malformed proofKey before rendering anything", () => {
    assert.throws(
      () => lbConfig("lb-bad", 80, "not-a-key"),
      /gateway registration: proofKey must be the raw 32-byte Ed25519 public key in base64url/,
    );
  });
});
