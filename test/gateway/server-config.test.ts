import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, flagsFromArgs, parseDuration, resolveConfig } from "../../gateway/config.ts";
import { tempDataPath } from "./registry-helpers.ts";
import { call, startGateway } from "./server-process.ts";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "../../gateway/main.ts");

test("flags win over environment variables; defaults fill the rest", () => {
  const env = {
    SKIPPER_GATEWAY_PORT: "9000",
    SKIPPER_GATEWAY_BASE_DOMAIN: "Env.Example.",
    SKIPPER_GATEWAY_DATA: "/tmp/x/reg",
  };
  const fromEnv = resolveConfig({}, env);
  assert.equal(fromEnv.port, 9000);
  assert.equal(fromEnv.baseDomain, "env.example");
  assert.equal(fromEnv.dataPath, "/tmp/x/reg");
  assert.equal(fromEnv.host, "0.0.0.0");
  assert.equal(fromEnv.heartbeatTtlMs, 30 * 86_400_000);
  assert.equal(fromEnv.workers, 1);
  assert.deepEqual(fromEnv.trustedProxies, []);
  assert.equal(fromEnv.proofTimeoutMs, 5000);
  assert.equal(fromEnv.proofMaxInFlight, 32);
  const flags = flagsFromArgs([
    "--port",
    "81",
    "--trusted-proxy",
    "10.0.0.0/8",
    "--trusted-proxy",
    "127.0.0.1/32",
    "--allow-private",
    "--heartbeat-ttl",
    "2h",
    "--proof-timeout",
    "750ms",
    "--proof-max-in-flight",
    "4",
  ]);
  const c = resolveConfig(flags, env);
  assert.equal(c.port, 81);
  assert.deepEqual(c.trustedProxies, ["10.0.0.0/8", "127.0.0.1/32"]);
  assert.equal(c.allowPrivate, true);
  assert.equal(c.heartbeatTtlMs, 7_200_000);
  assert.equal(c.proofTimeoutMs, 750);
  assert.equal(c.proofMaxInFlight, 4);
});

test("problems name the flag and the rule", () => {
  assert.throws(() => resolveConfig({}, {}), /missing --port \(or SKIPPER_GATEWAY_PORT\), --base-domain .*--data/);
  const ok = { port: "1", baseDomain: "a.example", data: "/tmp/d" };
  assert.throws(
    () => resolveConfig({ ...ok, port: "70000" }, {}),
    /--port: "70000" must be a whole number from 0 to 65535/,
  );
  assert.throws(() => resolveConfig({ ...ok, baseDomain: "localhost" }, {}), /--base-domain/);
  assert.throws(() => resolveConfig({ ...ok, host: "any" }, {}), /--host/);
  assert.throws(() => resolveConfig({ ...ok, adminToken: "short" }, {}), /at least 16 characters/);
  assert.throws(() => resolveConfig({ ...ok, workers: "0" }, {}), /--workers/);
  assert.throws(() => resolveConfig({ ...ok, proofTimeout: "0s" }, {}), /--proof-timeout: must be longer than zero/);
  assert.throws(
    () => resolveConfig({ ...ok, proofMaxInFlight: "0" }, {}),
    /--proof-max-in-flight: "0" must be a whole number from 1 to 10000/,
  );
  assert.throws(() => flagsFromArgs(["--nope"]), ConfigError);
  assert.equal(parseDuration("500ms", "x"), 500);
  assert.equal(parseDuration("90", "x"), 90_000);
  assert.equal(parseDuration("1.5m", "x"), 90_000);
  assert.throws(() => parseDuration("soon", "--heartbeat-ttl"), /--heartbeat-ttl: "soon" is not a duration/);
  assert.throws(() => parseDuration("0s", "--heartbeat-ttl"), /longer than zero/);
});

test("gateway/main.ts run as the program (the bundled form) starts from flags and env, and refuses bad flags with exit 2", async (t) => {
  const bad = spawnSync(process.execPath, ["--import", "tsx", MAIN, "--port", "x"], {
    encoding: "utf8",
    env: { ...process.env, SKIPPER_GATEWAY_BASE_DOMAIN: "gw.test", SKIPPER_GATEWAY_DATA: tempDataPath(t) },
  });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--port: "x" must be a whole number/);
  const gw = await startGateway(t, tempDataPath(t), [], ["--import", "tsx", MAIN]);
  assert.equal((await call(gw.port, "GET", "/healthz")).status, 200);
  gw.child.kill("SIGTERM");
  assert.equal((await gw.exited).code, 0);
  assert.match(gw.output(), /stopped/);
});
