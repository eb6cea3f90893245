/**
 * A throwaway git project for the `kip diff` tests: a stack file that imports Skipper from this checkout, a
 * `node_modules` link (ignored by git, as in a real project), `Pulumi.yaml` and a stack config file, with a first
 * commit that the tests change on top of.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO, tempDir } from "./synth-support.ts";

export interface StackShape {
  readonly replicas: number;
  readonly k3s: string;
  /** Extra apps, name → image. */
  readonly extraApps?: Readonly<Record<string, string>>;
  readonly withCache: boolean;
  /** How many filler apps (for the size tests). */
  readonly filler?: number;
}

export const BASE_SHAPE: StackShape = { replicas: 2, k3s: "v1.31.4+k3s1", withCache: true };

export function stackSource(s: StackShape): string {
  const at = (p: string): string => JSON.stringify(pathToFileURL(join(REPO, p)).href);
  const apps: string[] = [
    `web: { image: "ghcr.io/acme/web:1.4.2", port: 3000, replicas: ${s.replicas}, bind: ["db"], ` +
      `secretEnv: ["STRIPE_KEY"], env: { NODE_ENV: "production" } }`,
    `worker: { image: "ghcr.io/acme/worker:1.4.2", bind: [${s.withCache ? `"db", "cache"` : `"db"`}] }`,
  ];
  for (const [name, image] of Object.entries(s.extraApps ?? {})) {
    apps.push(`${name}: { image: ${JSON.stringify(image)}, port: 8080 }`);
  }
  for (let i = 0; i < (s.filler ?? 0); i++) {
    apps.push(`filler${i}: { image: "ghcr.io/acme/filler:${i}", port: 8080, replicas: ${s.replicas} }`);
  }
  return `import * as pulumi from "@pulumi/pulumi";
import { defineStack } from ${at("components/define-stack.ts")};
import { bareMetal } from ${at("providers/bare-metal.ts")};

export default defineStack(() => ({
  cluster: {
    provider: bareMetal({ hosts: [{ address: new pulumi.Config("skipper").get("host") ?? "203.0.113.10", user: "root" }] }),
    k3s: { version: ${JSON.stringify(s.k3s)} },
  },
  domain: { gateway: "skipper.run", acmeEmail: "ops@example.com" },
  services: {
    db: { engine: "postgres", version: "16", storage: "10Gi" },${s.withCache ? `\n    cache: { engine: "redis", version: "7" },` : ""}
  },
  apps: {
    ${apps.join(",\n    ")},
  },
}));
`;
}

export function stackConfig(stripeCiphertext: string): string {
  return `encryptionsalt: v1:c2FsdA==:v1:AAAA:BBBB\nconfig:\n  skipper:secret.web.STRIPE_KEY:\n    secure: ${stripeCiphertext}\n`;
}

export interface Project {
  readonly dir: string;
  write(file: string, content: string): void;
  git(...args: string[]): string;
  cleanup(): void;
}

/** A project with `shape` and the config committed as the first commit. */
export function makeProject(shape: StackShape = BASE_SHAPE): Project {
  const tmp = tempDir("kip-diff-test-");
  const dir = tmp.dir;
  const write = (file: string, content: string): void => {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), content);
  };
  const git = (...args: string[]): string =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
      },
    });
  git("init", "--quiet", "--initial-branch=main");
  write("package.json", `${JSON.stringify({ name: "shop", private: true, type: "module" }, null, 2)}\n`);
  write(".gitignore", "node_modules\n");
  write("Pulumi.yaml", "name: shop\nruntime: nodejs\nmain: skipper.ts\n");
  write("skipper.ts", stackSource(shape));
  write("Pulumi.dev.yaml", stackConfig("v1:T2xkQ2lwaGVydGV4dA=="));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  git("add", ".");
  git("commit", "--quiet", "-m", "base");
  return { dir, write, git, cleanup: tmp.cleanup };
}
