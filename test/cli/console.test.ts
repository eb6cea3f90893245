/**
 * `kip console`: `kip --help` loads neither Fastify nor the Kubernetes client (a tracer preloaded into the child lists
 * what Node loaded), and `kip console demo` renders the example stack into the in-memory Kubernetes API, says it is a
 * demo, prints the admin login it made, serves the API (and live logs) and drains on SIGTERM. The demo run is also the
 * tracer's control: there Fastify is loaded.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { openLogs } from "../console-api/ws-client.ts";
import { spawnCollected } from "../support/child.ts";
import { KIP, REPO, runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-console-");
after(tmp.cleanup);
const tracer = join(tmp.dir, "trace.cjs");
writeFileSync(
  tracer,
  `const fs = require("node:fs");
process.on("exit", () => {
  const loaded = Object.keys(require.cache).filter((p) => /\\/node_modules\\/(fastify|@fastify|@kubernetes)\\//.test(p));
  fs.writeFileSync(process.env.KIP_TRACE_OUT, JSON.stringify(loaded));
});
`,
);

test("kip --help and kip console --help load no Fastify and no Kubernetes client", async () => {
  for (const args of [["--help"], ["console", "--help"], ["console", "demo", "--help"]]) {
    const out = join(tmp.dir, `${args.join("-")}.json`);
    const r = await runKip(args, { nodeArgs: ["--require", tracer], env: { KIP_TRACE_OUT: out } });
    assert.equal(r.code, 0, args.join(" "));
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), [], args.join(" "));
  }
});

test("kip console demo serves the example stack from the in-memory API, says so, prints a login and drains on SIGTERM", async () => {
  const trace = join(tmp.dir, "demo.json");
  const { child, exited, out, err } = spawnCollected(
    process.execPath,
    ["--require", tracer, KIP, "console", "demo", "--port", "0"],
    {
      cwd: REPO,
      env: { ...process.env, KIP_TRACE_OUT: trace, SKIPPER_ADMIN_EMAIL: "", SKIPPER_ADMIN_PASSWORD: "" },
    },
  );
  try {
    const until = Date.now() + 120_000;
    while (!/DEMO on http/.test(out())) {
      assert.ok(Date.now() < until && child.exitCode === null, `no ready line; stdout ${out()} stderr ${err()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(out().trim().split("\n").length, 1, "one line when ready");
    assert.match(out(), /in-memory Kubernetes API seeded from stacks\/skipper\.ts, no real cluster/);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out())![1]!;
    const login = /log in as (\S+) with password (\S+)/.exec(err());
    assert.ok(login, err());
    const r = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: login[1], password: login[2] }),
    });
    assert.equal(r.status, 200);
    const { accessToken } = (await r.json()) as { accessToken: string };
    const get = async (path: string) =>
      (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } })).json() as Promise<
        Record<string, { name: string; state: string; urls: string[] }[]>
      >;
    const projects = await get("/api/v1/projects");
    assert.deepEqual(
      projects["projects"]!.map((p) => p.name),
      ["main"],
    );
    const apps = (await get("/api/v1/projects/main/apps"))["apps"]!;
    assert.deepEqual(
      apps.map((a) => [a.name, a.state]),
      [
        ["web", "running"],
        ["worker", "running"],
      ],
    );
    assert.ok(apps[0]!.urls.includes("https://www.example.com"));
    const logs = await openLogs(url, "/api/v1/projects/main/apps/web/logs?tail=5&follow=false", [
      "skipper.auth",
      accessToken,
    ]);
    assert.ok(logs.ok);
    await logs.socket.closed;
    assert.equal(logs.socket.lines.length, 5);
    assert.match(logs.socket.lines[0]!, /GET \//);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0);
  assert.match(out(), /skipper console stopped/);
  const loaded = JSON.parse(readFileSync(trace, "utf8")) as string[];
  assert.ok(
    loaded.some((p) => p.includes("/node_modules/fastify/")),
    "control: the demo loads Fastify",
  );
});
