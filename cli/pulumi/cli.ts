/**
 * Running the `pulumi` CLI as a child process (kip never links the engine): find it, check its version, run a
 * command with the terminal passed through (`up`, `destroy`: Pulumi's own display and confirmation prompt) or with its
 * output captured (`preview --json`, `stack output`). A missing or too old CLI is its own error with its own exit
 * code, so a script can tell "install Pulumi" from "the deployment failed".
 */
import { spawn } from "node:child_process";

/**
 * The oldest Pulumi CLI kip drives: 3.44 is the first to read the project-level `config:` schema with `type:` that
 * Skipper's Pulumi.yaml uses (https://www.pulumi.com/docs/iac/concepts/projects/project-file/).
 */
export const MIN_PULUMI_VERSION = "3.44.0";

/** Exit codes of the commands that run Pulumi (also in their --help). */
export const PULUMI_EXIT = { ok: 0, failed: 1, missingCli: 4 } as const;

const INSTALL_HINT =
  "Install it with `curl -fsSL https://get.pulumi.com | sh` (or `brew install pulumi/tap/pulumi`; other ways: " +
  "https://www.pulumi.com/docs/iac/download-install/), make sure `pulumi version` works, then run kip again.";

/** The Pulumi CLI is not on PATH, or older than `MIN_PULUMI_VERSION`. */
export class PulumiCliError extends Error {
  readonly exitCode = PULUMI_EXIT.missingCli;
  constructor(message: string) {
    super(`${message}\n${INSTALL_HINT}`);
    this.name = "PulumiCliError";
  }
}

/** Pulumi ran and failed (its own output, already shown or in `stderr`, says why). */
export class PulumiFailedError extends Error {
  readonly exitCode = PULUMI_EXIT.failed;
  readonly pulumiExitCode: number | null;
  constructor(command: string, code: number | null, stderr = "") {
    const tail = stderr.trim().split("\n").slice(-15).join("\n");
    super(`pulumi ${command} failed (exit code ${code ?? "signal"})${tail ? `:\n${tail}` : ""}`);
    this.name = "PulumiFailedError";
    this.pulumiExitCode = code;
  }
}

export interface Captured {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  /** Pass the terminal through (Pulumi's display, colours, prompts), else capture stdout and stderr. */
  readonly inherit?: boolean;
  /** Extra environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Environment for every Pulumi run: no update check (it talks to the network and prints nags in CI logs). */
function pulumiEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", ...extra };
}

/** Run `pulumi args…`; a missing binary becomes a `PulumiCliError`. */
export function runPulumi(args: readonly string[], opts: RunOptions): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args], {
      cwd: opts.cwd,
      env: pulumiEnv(opts.env),
      stdio: opts.inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") reject(new PulumiCliError("the Pulumi CLI (`pulumi`) was not found on PATH."));
      else if (err.code === "EACCES") reject(new PulumiCliError(`\`pulumi\` on PATH cannot be run (${err.message}).`));
      else reject(err);
    });
    // Ctrl-C reaches the child through the terminal; kip waits for Pulumi to stop cleanly instead of dying first.
    const ignore = (): void => {};
    if (opts.inherit) process.on("SIGINT", ignore);
    child.once("close", (code) => {
      if (opts.inherit) process.removeListener("SIGINT", ignore);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `v3.140.0` / `3.140.0-alpha.x` → [3, 140, 0], or undefined. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  }
  return true;
}

/** The CLI's version (`pulumi version`), checked against `MIN_PULUMI_VERSION`. */
export async function checkPulumi(cwd: string): Promise<string> {
  const run = await runPulumi(["version"], { cwd });
  const version = parseVersion(run.stdout);
  if (run.code !== 0 || !version) {
    throw new PulumiCliError(
      `\`pulumi version\` did not print a version (exit code ${run.code}): ${(run.stderr || run.stdout).trim()}`,
    );
  }
  const min = parseVersion(MIN_PULUMI_VERSION) as [number, number, number];
  if (!atLeast(version, min)) {
    throw new PulumiCliError(
      `the Pulumi CLI is ${run.stdout.trim()}; kip needs ${MIN_PULUMI_VERSION} or newer (for the project config schema).`,
    );
  }
  return run.stdout.trim();
}
