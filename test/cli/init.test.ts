/**
 * `kip init --yes` as a user runs it (the real binary in a temporary folder): the files it writes, what it refuses
 * (nothing written then), hostile values staying data, and the SSH key going to `pulumi config set --secret` on stdin
 * and never into a file. Installing and synthesising a generated project is in init-package.test.ts.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { defaultPackageSpec, packageInfo } from "../../cli/codegen/package-info.ts";
import { StackFile } from "../../cli/codegen/stack-edit.ts";
import { readTree, runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-init-");
after(tmp.cleanup);

const BASE = ["--yes", "--host", "203.0.113.10", "--gateway", "skipper.run"];

describe("kip init --yes", () => {
  it("depends on this unpublished Skipper by its folder, never on the registry's package of the same name", async () => {
    const dir = join(tmp.dir, "linked");
    const r = await runKip(["init", dir, ...BASE], { cwd: tmp.dir });
    assert.equal(r.code, 0, r.stderr);
    const root = packageInfo().root;
    assert.equal(packageInfo().private, true, "this checkout is not published");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    assert.equal(pkg.dependencies["skipper"], `file:${root}`);
    assert.ok(r.stdout.includes(`depends on Skipper as file:${root} (this copy`), r.stdout);
    // A published Skipper is taken from the registry.
    assert.equal(defaultPackageSpec({ version: "1.2.3", root, private: false }), "^1.2.3");
  });

  it("says how to build a linked Skipper folder that has no dist/ yet", async () => {
    const checkout = join(tmp.dir, "fresh-checkout");
    mkdirSync(checkout);
    writeFileSync(join(checkout, "package.json"), '{"name":"skipper","version":"0.1.0","private":true}');
    const dir = join(tmp.dir, "needs-build");
    const r = await runKip(["init", dir, ...BASE, "--package-spec", `file:${checkout}`], { cwd: tmp.dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const build = lines.findIndex((l) => l.includes(`npm run build --prefix ${JSON.stringify(checkout)}`));
    const install = lines.findIndex((l) => l.includes("npm install"));
    assert.ok(build !== -1 && build < install, `the build comes before npm install:\n${r.stdout}`);
  });

  it("writes a project whose stack holds the answers, depending on the given package spec", async () => {
    const dir = join(tmp.dir, "shop");
    const r = await runKip(
      [
        "init",
        dir,
        ...BASE,
        "--user",
        "deploy",
        "--host-key",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ",
        "--service",
        "db=postgres:16 storage=10Gi",
        "--service",
        "cache=redis",
        "--app",
        "web=ghcr.io/acme/web:1.4.2 port=3000 replicas=2 bind=db,cache env.NODE_ENV=production",
        "--app",
        "worker=ghcr.io/acme/worker:1.4.2 bind=db",
        "--package-spec",
        "file:../skipper-0.1.0.tgz",
      ],
      { cwd: tmp.dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const tree = readTree(dir);
    assert.deepEqual([...tree.keys()].sort(), [
      ".gitignore",
      "Pulumi.yaml",
      "README.md",
      "package.json",
      "skipper.ts",
      "tsconfig.json",
    ]);
    const pkg = JSON.parse(tree.get("package.json")!) as {
      type: string;
      dependencies: Record<string, string>;
      name: string;
    };
    assert.equal(pkg.dependencies["skipper"], "file:../skipper-0.1.0.tgz");
    assert.equal(pkg.type, "module");
    assert.equal(pkg.name, "shop");
    const project = parse(tree.get("Pulumi.yaml")!) as {
      name: string;
      main: string;
      runtime: { options: { nodeargs: string } };
    };
    assert.equal(project.name, "shop");
    assert.equal(project.main, "skipper.ts");
    assert.equal(project.runtime.options.nodeargs, "--import tsx");

    const stack = new StackFile(tree.get("skipper.ts")!);
    assert.deepEqual(stack.hosts(), [
      {
        address: "203.0.113.10",
        user: "deploy",
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ",
      },
    ]);
    assert.deepEqual(
      stack.entries("apps").map((e) => [e.name, e.value]),
      [
        [
          "web",
          {
            image: "ghcr.io/acme/web:1.4.2",
            port: 3000,
            replicas: 2,
            env: { NODE_ENV: "production" },
            bind: ["db", "cache"],
          },
        ],
        ["worker", { image: "ghcr.io/acme/worker:1.4.2", bind: ["db"] }],
      ],
    );
    assert.deepEqual(
      stack.entries("services").map((e) => [e.name, e.value]),
      [
        ["db", { engine: "postgres", version: "16", storage: "10Gi" }],
        ["cache", { engine: "redis" }],
      ],
    );
    assert.deepEqual(stack.literal("console"), { enabled: true });
    assert.match(tree.get("skipper.ts")!, /^import \{ bareMetal, defineStack \} from "skipper";$/m);
    // The secret is never in a file; the commands to set it are printed.
    assert.match(r.stdout, /pulumi config set --secret skipper:sshPrivateKey < ~\/\.ssh\/id_ed25519/);
  });

  it("refuses a non-empty folder unless --force, and leaves it as it was", async () => {
    const dir = join(tmp.dir, "busy");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    const r = await runKip(["init", dir, ...BASE], { cwd: tmp.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not empty \(notes\.txt\).*--force/);
    assert.deepEqual([...readTree(dir).keys()], ["notes.txt"]);
    const forced = await runKip(["init", dir, ...BASE, "--force"], { cwd: tmp.dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "mine");
    assert.ok(existsSync(join(dir, "skipper.ts")));
  });

  it("refuses missing answers and values the validator refuses, creating nothing (exit 2)", async () => {
    const cases: [string[], RegExp][] = [
      [["--yes", "--gateway", "skipper.run"], /--yes needs --host/],
      [["--yes", "--host", "203.0.113.10"], /domain mode/],
      [[...BASE, "--app", 'web=nginx:1.27";process.exit(1);" port=80'], /apps\.web\.image/],
      [[...BASE, "--app", "web=nginx:1.27 port=http"], /apps\.web\.port/],
      [[...BASE, "--app", "web=nginx:1.27 bind=db"], /apps\.web\.bind/],
      [[...BASE, "--service", "db=oracle"], /services\.db\.engine/],
      [[...BASE, "--app", "web=nginx:1.27", "--app", "web=nginx:1.28"], /app 'web' is given twice/],
      [["--yes", "--host", "203.0.113.10; rm -rf /", "--gateway", "skipper.run"], /cluster\.hosts\[0\]\.address/],
      [[...BASE, "--app", "web=nginx:1.27 colour=blue"], /unknown key 'colour'/],
    ];
    for (const [i, [args, message]] of cases.entries()) {
      const dir = join(tmp.dir, `refused-${i}`);
      const r = await runKip(["init", dir, ...args], { cwd: tmp.dir });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(existsSync(dir), false, `${args.join(" ")} created ${dir}`);
    }
  });

  it("writes hostile env values as data: the file parses and reads back the exact strings", async () => {
    const dir = join(tmp.dir, "hostile");
    const values = ['a"b', ["x`$", "{process.exit(1)}`"].join(""), "*/ require('child_process') /*", "back\\slash"];
    const env = values.map((v, i) => `env.V${i}=${v}`.replaceAll(" ", "\u00a0"));
    const r = await runKip(["init", dir, ...BASE, "--app", `web=nginx:1.27 ${env.join(" ")}`], { cwd: tmp.dir });
    assert.equal(r.code, 0, r.stderr);
    const stack = new StackFile(readFileSync(join(dir, "skipper.ts"), "utf8"));
    const got = stack.entries("apps")[0]!.value["env"] as Record<string, string>;
    assert.deepEqual(
      Object.values(got),
      values.map((v) => v.replaceAll(" ", "\u00a0")),
    );
    assert.equal(stack.source.getStatements().length, 2, "an import and the default export, nothing else");
  });

  it("--ssh-key goes to `pulumi config set --secret` on stdin, never into argv or a file", async () => {
    const bin = join(tmp.dir, "fake-bin");
    mkdirSync(bin);
    const log = join(tmp.dir, "pulumi-calls.jsonl");
    // A stand-in `pulumi` on PATH that records its argv and stdin.
    writeFileSync(
      join(bin, "pulumi"),
      `#!${process.execPath}\nconst fs = require("node:fs");\nconst stdin = fs.readFileSync(0, "utf8");\n` +
        `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), stdin, cwd: process.cwd() }) + "\\n");\n`,
    );
    chmodSync(join(bin, "pulumi"), 0o755);
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nINIT-TEST-KEY-5f2c\n-----END OPENSSH PRIVATE KEY-----\n";
    const keyFile = join(tmp.dir, "id_test");
    writeFileSync(keyFile, key, { mode: 0o600 });
    const dir = join(tmp.dir, "with-key");
    const r = await runKip(["init", dir, ...BASE, "--ssh-key", keyFile, "--stack", "prod"], {
      cwd: tmp.dir,
      env: { PATH: `${bin}:${process.env["PATH"]}` },
    });
    assert.equal(r.code, 0, r.stderr);
    const calls = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { argv: string[]; stdin: string; cwd: string });
    assert.deepEqual(
      calls.map((c) => c.argv),
      [
        ["stack", "select", "--create", "prod", "--non-interactive"],
        ["config", "set", "--secret", "skipper:sshPrivateKey", "--stack", "prod"],
      ],
    );
    assert.equal(calls[1]!.stdin, key);
    assert.ok(calls.every((c) => c.cwd === dir));
    for (const [path, text] of readTree(dir)) assert.ok(!text.includes("INIT-TEST-KEY"), `${path} holds the key`);
    assert.ok(!`${r.stdout}${r.stderr}`.includes("INIT-TEST-KEY"));
    assert.match(r.stdout, /stored as the config secret skipper:sshPrivateKey/);
    assert.doesNotMatch(r.stdout, /pulumi config set/);
  });

  it("without the pulumi CLI, prints the commands that set the key", async () => {
    const dir = join(tmp.dir, "no-cli");
    const keyFile = join(tmp.dir, "id_other");
    writeFileSync(keyFile, "KEY", { mode: 0o600 });
    const r = await runKip(["init", dir, ...BASE, "--ssh-key", keyFile], {
      cwd: tmp.dir,
      env: { PATH: "/nonexistent" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /pulumi CLI is not installed/);
    assert.ok(r.stdout.includes(`pulumi config set --secret skipper:sshPrivateKey < ${keyFile}`));
  });
});
