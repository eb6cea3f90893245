/** A child process whose output the test reads as it comes: `out()` and `err()` so far, and its exit code. */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

export interface Collected {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  out(): string;
  err(): string;
}

export function spawnCollected(command: string, args: readonly string[], options: SpawnOptions = {}): Collected {
  const child = spawn(command, [...args], { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}
