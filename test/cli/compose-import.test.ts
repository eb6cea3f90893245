/**
 * `kip init --from docker-compose.yml`: four realistic Compose files become apps and stateful services; every key
 * that is not carried into the stack is reported with its line, so nothing is dropped silently; secret values are
 * never copied; and the CLI writes the mapped stack or, on a file it cannot use, nothing.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isMap, isScalar, parseDocument } from "yaml";
import { StackFile } from "../../cli/codegen/stack-edit.ts";
import { type ComposeImport, importComposeFile } from "../../cli/compose/import.ts";
import { composeResources } from "../../cli/compose/resources.ts";
import { REPO, runKip, tempDir } from "./synth-support.ts";

const FIXTURES = join(REPO, "test/cli/compose-fixtures");
const tmp = tempDir("kip-compose-");
after(tmp.cleanup);

/** The stack field each Compose key feeds when it maps without a finding. */
const FEEDS: Record<string, readonly string[]> = {
  image: ["image", "engine"],
  ports: ["port"],
  expose: ["port"],
  environment: ["env", "secretEnv", "bind"],
  env_file: ["env", "secretEnv", "bind"],
  depends_on: ["bind"],
  command: ["args"],
  entrypoint: ["command"],
  deploy: ["replicas", "resources"],
  healthcheck: ["health"],
};

/** Every Compose key, top-level and per service, is either carried into a field or reported. */
function assertNothingDropped(file: string, result: ComposeImport): void {
  const doc = parseDocument(readFileSync(file, "utf8"));
  const root = doc.contents;
  assert.ok(isMap(root));
  const reported = (path: string) =>
    result.findings.some(
      (f) =>
        f.path === path ||
        f.path.startsWith(`${path}.`) ||
        f.path.startsWith(`${path}[`) ||
        f.path.startsWith(`${path}(`),
    );
  for (const pair of root.items) {
    const key = String((pair.key as { value: unknown }).value);
    if (key === "services") continue;
    assert.ok(reported(key), `${file}: top-level ${key} neither mapped nor reported`);
  }
  const services = root.get("services");
  assert.ok(isMap(services));
  for (const svc of services.items) {
    const name = String((svc.key as { value: unknown }).value);
    const dns = name.toLowerCase().replaceAll("_", "-");
    const spec = (result.apps[dns] ?? result.services[dns]) as Record<string, unknown> | undefined;
    if (!spec) {
      assert.ok(reported(`services.${name}`), `${file}: service ${name} neither imported nor reported`);
      continue;
    }
    assert.ok(isMap(svc.value));
    for (const field of svc.value.items) {
      const key = String(isScalar(field.key) ? field.key.value : field.key);
      const fed = (FEEDS[key] ?? []).some((f) => spec[f] !== undefined);
      assert.ok(
        fed || reported(`services.${name}.${key}`),
        `${file}: services.${name}.${key} neither mapped nor reported`,
      );
    }
  }
}

function lineOf(file: string, needle: string): number {
  const lines = readFileSync(file, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} not in ${file}`);
  return i + 1;
}

describe("Compose files → apps and services", () => {
  it("web + postgres + redis: connection strings and depends_on become bindings", () => {
    const file = join(FIXTURES, "web-postgres-redis.yml");
    const r = importComposeFile(file);
    assert.deepEqual(r.apps, {
      web: { image: "ghcr.io/acme/web:1.4.2", port: 3000, env: { NODE_ENV: "production" }, bind: ["db", "cache"] },
    });
    assert.deepEqual(r.services, {
      db: { engine: "postgres", version: "16" },
      cache: { engine: "redis", version: "7.4" },
    });
    const dbUrl = r.findings.find((f) => f.path === "services.web.environment.DATABASE_URL");
    assert.equal(dbUrl?.line, lineOf(file, "DATABASE_URL:"));
    assert.match(dbUrl!.message, /binding.*DATABASE_URL is one of them/);
    const creds = r.findings.find((f) => f.path === "services.db.environment");
    assert.equal(creds?.kind, "unmapped");
    assert.equal(creds?.line, lineOf(file, "POSTGRES_PASSWORD") - 1, "line of db's environment key");
    assert.ok(!JSON.stringify(r.apps).includes("example"), "the Compose password was copied");
    assertNothingDropped(file, r);
  });

  it("a worker without ports: no port, its command as args, replicas, a broker URL as a binding", () => {
    const file = join(FIXTURES, "worker-no-ports.yml");
    const r = importComposeFile(file);
    assert.deepEqual(r.apps["worker"], {
      image: "registry.example.com/shop/api:2.3.0",
      args: ["celery", "-A", "shop", "worker", "--loglevel=info"],
      replicas: 3,
      bind: ["queue"],
    });
    assert.equal(r.apps["api"]?.port, 8000);
    assert.deepEqual(r.services, { queue: { engine: "redis", version: "7.4" } });
    const broker = r.findings.find((f) => f.path === "services.worker.environment.CELERY_BROKER_URL");
    assert.match(broker!.message, /CELERY_BROKER_URL itself is no longer set/);
    assert.equal(broker?.line, lineOf(file, "CELERY_BROKER_URL"));
    assertNothingDropped(file, r);
  });

  it("volumes and env files: env file values imported, secrets become secretEnv without their value", () => {
    const file = join(FIXTURES, "volumes-env-files.yml");
    const r = importComposeFile(file);
    assert.deepEqual(r.apps["rails"], {
      image: "ghcr.io/acme/rails-app:5.0.1",
      port: 3000,
      health: { path: "/up" },
      env: { RAILS_LOG_TO_STDOUT: "true", WEB_CONCURRENCY: "2", RAILS_ENV: "production" },
      secretEnv: ["SECRET_KEY_BASE"],
      bind: ["mysql"],
    });
    assert.deepEqual(r.services, {
      mysql: { engine: "mysql", version: "8.4" },
      docs: { engine: "mongodb", version: "7.0" },
    });
    assert.ok(!JSON.stringify(r).includes("6f1c0ffee4d1e2a3"), "the secret's value was copied");
    assert.deepEqual(r.secretCommands, [
      "pulumi config set --secret skipper:secret.rails.SECRET_KEY_BASE   # value not copied",
    ]);
    const uploads = r.findings.find((f) => f.path === "services.rails.volumes");
    assert.equal(uploads?.kind, "unmapped");
    assert.equal(uploads?.line, lineOf(file, "uploads:/app") - 1, "line of rails' volumes key");
    assertNothingDropped(file, r);
  });

  it("a file with parts that must be reported: each one, with its line", () => {
    const file = join(FIXTURES, "must-report.yml");
    const r = importComposeFile(file);
    assert.deepEqual(Object.keys(r.apps), ["app", "search-index"]);
    assert.deepEqual(r.apps["app"], {
      image: "ghcr.io/acme/app:3.2.1",
      port: 8443,
      replicas: 2,
      // Reserved 0.25 cores, at most 0.5; 512M of memory, the limit and (no reservation) the request.
      resources: { cpu: "250m", memory: "512Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
      secretEnv: ["STRIPE_API_KEY"],
    });
    const mapped = r.findings.find((f) => f.path === "services.app.deploy.resources");
    assert.equal(mapped?.kind, "mapped");
    assert.match(mapped?.message ?? "", /the memory request equals the limit/);
    assert.equal(mapped?.line, lineOf(file, "resources:"), "the line of the resources key");
    const unmapped = new Map(r.findings.filter((f) => f.kind === "unmapped").map((f) => [f.path, f.line]));
    const expected: [string, string][] = [
      ["x-logging", "x-logging:"],
      ["services.frontend", "build: ./frontend"],
      ["services.app.container_name", "container_name:"],
      ["services.app.restart", "restart:"],
      ["services.app.ports[1]", '"9090:9090"'],
      ["services.app.ports[2]", "5353/udp"],
      ["services.app.environment.DEBUG", "- DEBUG"],
      ["services.app.environment.API_URL", "API_URL="],
      ["services.app.depends_on.frontend", "depends_on:"],
      ["services.app.networks", "    networks:"],
      ["services.app.logging", "logging: *default"],
      ["services.app.deploy.resources.limits.pids", "pids:"],
      ["services.app.command", "command:"],
      ["services.Search_Index.privileged", "privileged:"],
      ["networks", "\u0000"],
      ["secrets", "secrets:"],
    ];
    for (const [path, needle] of expected) {
      assert.ok(unmapped.has(path), `${path} not reported`);
      if (needle !== "\u0000") assert.equal(unmapped.get(path), lineOf(file, needle), `${path} line`);
    }
    assert.equal(unmapped.size, expected.length, `unexpected findings: ${[...unmapped.keys()].join(", ")}`);
    assert.ok(!JSON.stringify(r.apps).includes("sk_test"), "the Stripe key was copied");
    assertNothingDropped(file, r);
  });
});

describe("kip init --from", () => {
  it("writes the mapped stack and prints every unmapped part with file:line", async () => {
    const dir = join(tmp.dir, "reported");
    const file = join(FIXTURES, "must-report.yml");
    const r = await runKip(
      ["init", dir, "--yes", "--host", "203.0.113.10", "--gateway", "skipper.run", "--from", file],
      { cwd: tmp.dir },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /NOT mapped \(16\)/);
    assert.ok(r.stderr.includes(`${file}:${lineOf(file, "restart:")}  services.app.restart:`));
    assert.ok(r.stderr.includes("pulumi config set --secret skipper:secret.app.STRIPE_API_KEY"));
    const stack = new StackFile(readFileSync(join(dir, "skipper.ts"), "utf8"));
    assert.deepEqual(
      stack.entries("apps").map((e) => e.name),
      ["app", "search-index"],
    );
    assert.ok(!readFileSync(join(dir, "skipper.ts"), "utf8").includes("sk_test"));
  });

  it("refuses a file that is not Compose, or a value the validator refuses; nothing written", async () => {
    const notYaml = join(tmp.dir, "broken.yml");
    writeFileSync(notYaml, "services: [unclosed\n");
    const hostile = join(tmp.dir, "hostile.yml");
    writeFileSync(hostile, 'services:\n  web:\n    image: "nginx:1.27\\"; require(\'fs\')"\n    ports: ["80:8080"]\n');
    for (const [file, message] of [
      [notYaml, /not valid YAML/],
      [hostile, /apps\.web\.image/],
      [join(tmp.dir, "missing.yml"), /cannot read/],
    ] as const) {
      const dir = join(tmp.dir, `refused-${file.replace(/\W/g, "")}`);
      const r = await runKip(
        ["init", dir, "--yes", "--host", "203.0.113.10", "--gateway", "skipper.run", "--from", file],
        { cwd: tmp.dir },
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(existsSync(dir), false);
    }
  });
});

describe("Compose deploy.resources", () => {
  const map = (text: string) => {
    const doc = parseDocument(text);
    assert.ok(isMap(doc.contents));
    const findings: { path: string; message: string; kind: string }[] = [];
    const resources = composeResources(doc.contents, "r", (_node, path, message, kind = "unmapped") =>
      findings.push({ path, message, kind }),
    );
    return { resources, unmapped: findings.filter((f) => f.kind === "unmapped").map((f) => f.path) };
  };

  it("reads cores and Compose's binary byte units", () => {
    assert.deepEqual(map("reservations: { cpus: 2, memory: 1.5g }\nlimits: { memory: 2gb }\n").resources, {
      cpu: "2000m",
      memory: "1.5Gi",
      memoryLimit: "2Gi",
    });
    assert.deepEqual(map("reservations: { memory: 1024, cpus: '0.0001' }\n").resources, { cpu: "1m", memory: "1024" });
    assert.deepEqual(map("limits: { memory: 64kb }\n").resources, { memory: "64Ki", memoryLimit: "64Ki" });
  });

  it("reports what it cannot map and maps nothing from it", () => {
    const r = map("limits: { cpus: lots, memory: 12 parsecs, pids: 10 }\ndevices: []\n");
    assert.equal(r.resources, undefined);
    assert.deepEqual(r.unmapped, ["r.limits.cpus", "r.limits.memory", "r.limits.pids", "r.devices"]);
  });
});
