/**
 * `kip`: the command tree. Each command group lives in its own file under `cli/commands/` and exports
 * `register(program)`. Registration must stay cheap: heavy modules (Pulumi, Fastify, ts-morph) are imported inside the
 * action of the command that needs them, so `kip --help` loads none of them.
 */
import { Command, CommanderError } from "commander";
import { SpecError, SpecErrors } from "../core/errors.ts";
import { register as registerApp } from "./commands/app.ts";
import { register as registerCi } from "./commands/ci.ts";
import { register as registerConsole } from "./commands/console.ts";
import { register as registerDiff } from "./commands/diff.ts";
import { register as registerDoctor } from "./commands/doctor.ts";
import { register as registerGateway } from "./commands/gateway.ts";
import { register as registerHostkey } from "./commands/hostkey.ts";
import { register as registerInit } from "./commands/init.ts";
import { register as registerKubeconfig } from "./commands/kubeconfig.ts";
import { register as registerLogs } from "./commands/logs.ts";
import { register as registerPulumi } from "./commands/pulumi.ts";
import { register as registerService } from "./commands/service.ts";
import { register as registerStatus } from "./commands/status.ts";
import { register as registerSynth } from "./commands/synth.ts";

export function buildProgram(): Command {
  const program = new Command("kip")
    .description("Skipper: a self-hosted PaaS as code (k3s over SSH, apps and databases as Pulumi components)")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerSynth(program);
  registerDiff(program);
  registerPulumi(program);
  registerCi(program);
  registerKubeconfig(program);
  registerStatus(program);
  registerLogs(program);
  registerDoctor(program);
  registerGateway(program);
  registerConsole(program);
  registerHostkey(program);
  registerInit(program);
  registerApp(program);
  registerService(program);
  return program;
}

/** Run `kip` with `argv` (as `process.argv`) and return the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof SpecError || err instanceof SpecErrors) {
      process.stderr.write(`kip: invalid stack\n${err.message}\n`);
      return 2;
    }
    process.stderr.write(`kip: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env["KIP_DEBUG"] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
