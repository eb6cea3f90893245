/**
 * `kip app add|remove|list`: edit the apps of the stack file by syntax tree, keeping everything else byte for byte.
 * ts-morph and the validator are loaded inside the actions.
 */
import type { Command } from "commander";
import type { AppFlags } from "../codegen/entry-flags.ts";

interface FileFlags {
  readonly file?: string;
  readonly json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const ENTRY_EXIT_HELP =
  "\nThe stack file is `main` of Pulumi.yaml in the current folder unless --file is given.\n" +
  "Exit codes: 0 done, 1 failed, 2 refused (invalid value, duplicate or unknown name, a change that would make the\n" +
  "stack invalid), 3 the file's shape is not one kip can edit (the snippet to paste by hand is printed).\n" +
  "Nothing is written unless the exit code is 0.";

export function register(program: Command): void {
  const app = program.command("app").description("add, remove or list the apps of the stack file");

  app
    .command("add")
    .description("add an app to the stack file")
    .argument("<name>", "app name (a DNS label: lower-case letters, digits, '-')")
    .requiredOption("--image <ref>", "container image with a tag or digest, e.g. ghcr.io/acme/web:1.4.2")
    .option("--port <port>", "port the container listens on (apps without one get no route)")
    .option("--replicas <n>", "number of replicas (default 1)")
    .option("--env <KEY=VALUE>", "plain environment variable (repeatable)", collect, [])
    .option(
      "--secret-env <NAME>",
      "secret env var read from config skipper:secret.<app>.<NAME> (repeatable)",
      collect,
      [],
    )
    .option("--bind <service>", "inject a service's connection settings (repeatable, or comma-separated)", collect, [])
    .option("--domain <domain>", "custom domain with a Let's Encrypt certificate (repeatable)", collect, [])
    .option("--project <name>", "project (namespace) of the app (default main)")
    .option("--health-path <path>", "HTTP path probed for readiness and liveness, e.g. /healthz")
    .option("--private", "not published on the gateway")
    .option("-f, --file <stack>", "the stack file")
    .option("--json", "print the result as JSON")
    .addHelpText("after", ENTRY_EXIT_HELP)
    .action(async (name: string, flags: AppFlags & FileFlags) => {
      const { refusable } = await import("../codegen/refusal.ts");
      await refusable("app add", async () => {
        const { appFromFlags } = await import("../codegen/entry-flags.ts");
        const { addToStack } = await import("../codegen/entry-command.ts");
        addToStack("apps", name, appFromFlags(flags) as never, flags);
      });
    });

  app
    .command("remove")
    .alias("rm")
    .description("remove an app from the stack file")
    .argument("<name>", "app name")
    .option("-f, --file <stack>", "the stack file")
    .option("--json", "print the result as JSON")
    .addHelpText("after", ENTRY_EXIT_HELP)
    .action(async (name: string, flags: FileFlags) => {
      const { refusable } = await import("../codegen/refusal.ts");
      await refusable("app remove", async () => {
        const { removeFromStack } = await import("../codegen/entry-command.ts");
        removeFromStack("apps", name, flags);
      });
    });

  app
    .command("list")
    .alias("ls")
    .description("list the apps of the stack file (as written; expressions are shown as such)")
    .option("-f, --file <stack>", "the stack file")
    .option("--json", "print JSON")
    .addHelpText("after", ENTRY_EXIT_HELP)
    .action(async (flags: FileFlags) => {
      const { refusable } = await import("../codegen/refusal.ts");
      await refusable("app list", async () => {
        const { listStack } = await import("../codegen/entry-command.ts");
        listStack("apps", flags);
      });
    });
}
