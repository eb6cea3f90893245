/**
 * `kip service add|remove|list`: edit the stateful services (databases, caches) of the stack file by syntax tree.
 */
import type { Command } from "commander";
import type { ServiceFlags } from "../codegen/entry-flags.ts";
import { ENTRY_EXIT_HELP } from "./app.ts";

interface FileFlags {
  readonly file?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  const service = program
    .command("service")
    .description("add, remove or list the services (databases) of the stack file");

  service
    .command("add")
    .description("add a service to the stack file")
    .argument("<name>", "service name (a DNS label)")
    .requiredOption("--engine <engine>", "postgres, mysql, redis or mongodb")
    .option(
      "--engine-version <tag>",
      "image tag of the engine, e.g. 16 (default: the catalogue's); not --version, which prints kip's",
    )
    .option("--storage <size>", "volume size, e.g. 10Gi (default: the catalogue's)")
    .option("--project <name>", "project (namespace) of the service (default main)")
    .option("-f, --file <stack>", "the stack file")
    .option("--json", "print the result as JSON")
    .addHelpText("after", ENTRY_EXIT_HELP)
    .action(async (name: string, flags: ServiceFlags & FileFlags) => {
      const { refusable } = await import("../codegen/refusal.ts");
      await refusable("service add", async () => {
        const { serviceFromFlags } = await import("../codegen/entry-flags.ts");
        const { addToStack } = await import("../codegen/entry-command.ts");
        addToStack("services", name, serviceFromFlags(flags) as never, flags);
      });
    });

  service
    .command("remove")
    .alias("rm")
    .description("remove a service from the stack file (refused while an app binds it)")
    .argument("<name>", "service name")
    .option("-f, --file <stack>", "the stack file")
    .option("--json", "print the result as JSON")
    .addHelpText("after", ENTRY_EXIT_HELP)
    .action(async (name: string, flags: FileFlags) => {
      const { refusable } = await import("../codegen/refusal.ts");
      await refusable("service remove", async () => {
        const { removeFromStack } = await import("../codegen/entry-command.ts");
        removeFromStack("services", name, flags);
      });
    });

  service
    .command("list")
    .alias("ls")
    .description("list the services of the stack file")
    .option("-f, --file <stack>", "the stack file")
    .option("--json", "print JSON")
    .addHelpText("after", ENTRY_EXIT_HELP)
    .action(async (flags: FileFlags) => {
      const { refusable } = await import("../codegen/refusal.ts");
      await refusable("service list", async () => {
        const { listStack } = await import("../codegen/entry-command.ts");
        listStack("services", flags);
      });
    });
}
