/**
 * `kip doctor [--stack NAME] [--host ADDR…] [--ssh-key FILE] [--json]`: check what a deployment depends on and print
 * what to fix.
 */
import { type Command, InvalidArgumentError } from "commander";

interface DoctorFlags {
  readonly stack?: string;
  readonly host?: string[];
  readonly sshKey?: string;
  readonly port?: number;
  readonly json?: boolean;
  readonly skipStack?: boolean;
  readonly cwd?: string;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("a port between 1 and 65535");
  return n;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description(
      "check Node and the Pulumi CLI, Pulumi.yaml, the stack file, the stack config against Pulumi.yaml, SSH to the " +
        "hosts, the key file's permissions and host-key pinning; print what to fix",
    )
    .option("-s, --stack <name>", "check only this stack's config (default: every Pulumi.<stack>.yaml)")
    .option("--host <address...>", "also check these hosts (besides skipper:host of the stack config)")
    .option("--ssh-key <file>", "the SSH private key file to check (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")
    .option("--port <n>", "SSH port", port, 22)
    .option("--skip-stack", "do not evaluate the stack file")
    .option("-C, --cwd <dir>", "the project folder (with Pulumi.yaml)")
    .option("--json", "print the checks as JSON")
    .addHelpText("after", "\nExit codes: 0 nothing failed (warnings allowed), 1 at least one check failed.")
    .action(async (flags: DoctorFlags) => {
      const { resolve } = await import("node:path");
      const { runDoctor } = await import("../day2/doctor.ts");
      const { styleFor } = await import("../day2/terminal.ts");
      const checks = await runDoctor({
        cwd: resolve(flags.cwd ?? process.cwd()),
        ...(flags.stack ? { stack: flags.stack } : {}),
        ...(flags.host ? { hosts: flags.host } : {}),
        ...(flags.sshKey ? { sshKey: flags.sshKey } : {}),
        ...(flags.port ? { port: flags.port } : {}),
        skipStack: flags.skipStack === true,
      });
      const failed = checks.filter((c) => c.status === "fail").length;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ok: failed === 0, checks }, null, 2)}\n`);
      } else {
        const s = styleFor(process.stdout);
        const mark = { ok: s.green("ok  "), warn: s.yellow("warn"), fail: s.red("FAIL") };
        const width = Math.max(...checks.map((c) => c.name.length));
        const lines = checks.flatMap((c) => [
          `${mark[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`,
          ...(c.fix ? [`      ${" ".repeat(width)}  fix: ${c.fix}`] : []),
        ]);
        const warned = checks.filter((c) => c.status === "warn").length;
        lines.push("", `${failed} failed, ${warned} warnings, ${checks.length - failed - warned} ok`);
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      process.exitCode = failed > 0 ? 1 : 0;
    });
}
