/**
 * Running the real `kip` binary for the synth tests, and reading back what it wrote.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const KIP = join(REPO, "cli", "bin", "kip.js");

export interface KipRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `kip args…` as a child process (bounded to 60 s unless `timeoutMs` says otherwise), in `cwd` with extra env. */
export function runKip(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string>; nodeArgs?: readonly string[]; timeoutMs?: number } = {},
): Promise<KipRun> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), KIP, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}

/** Every file under `dir` (relative path → content), sorted by path. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Config as Pulumi's language host hands it to a program. */
export function pulumiConfigEnv(config: Record<string, string>, secretKeys: readonly string[]): Record<string, string> {
  return { PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
}
