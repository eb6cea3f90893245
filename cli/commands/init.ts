/**
 * `kip init [dir]`: start a Skipper project (Pulumi.yaml, package.json, tsconfig.json, skipper.ts, .gitignore,
 * README). Interactive by default; `--yes` takes every answer from flags; `--from` imports a Compose file; `--prompt`
 * asks an AI provider for the apps and services. Everything heavy (prompts, AI SDKs, yaml, the validator) is loaded
 * inside the action.
 */
import type { Command } from "commander";

export interface InitFlags {
  readonly yes?: boolean;
  readonly host?: string;
  readonly user?: string;
  readonly sshPort?: string;
  readonly hostKey?: string;
  readonly fetchHostKey?: boolean;
  readonly gateway?: string;
  readonly ownDomains?: boolean;
  readonly acmeEmail?: string;
  readonly k3sVersion?: string;
  readonly app: string[];
  readonly service: string[];
  readonly console: boolean;
  readonly name?: string;
  readonly packageSpec?: string;
  readonly sshKey?: string;
  readonly stack?: string;
  readonly force?: boolean;
  readonly from?: string;
  readonly prompt?: string;
  readonly aiProvider?: string;
  readonly aiModel?: string;
  readonly aiBaseUrl?: string;
  readonly aiTimeout?: string;
  readonly json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command("init")
    .description("start a Skipper project: Pulumi.yaml, package.json, tsconfig.json, skipper.ts, .gitignore, README")
    .argument("[dir]", "folder of the new project (created when missing; must be empty unless --force)", ".")
    .option("-y, --yes", "take every answer from flags, ask nothing (scripts, CI)")
    .option("--host <address>", "IPv4 address or DNS name of the server")
    .option("--user <name>", "SSH user: root, or one with passwordless sudo", "root")
    .option("--ssh-port <port>", "SSH port of the server", "22")
    .option("--host-key <key>", "pin the server's SSH host key (as `kip hostkey <address>` prints it)")
    .option("--fetch-host-key", "fetch the host key with ssh-keyscan and pin it (its fingerprint is printed)")
    .option("--gateway <domain>", "domain mode: apps get <app>-<cluster-id>.<domain> on this Skipper gateway")
    .option("--own-domains", "domain mode: no gateway; apps are reached on their own domains (--app … domain=…)")
    .option("--acme-email <email>", "email for Let's Encrypt registrations (own domains)")
    .option("--k3s-version <tag>", "k3s release to pin")
    .option(
      "--app <spec>",
      "an app (repeatable): NAME=IMAGE [port=N] [replicas=N] [bind=SVC,…] [domain=D,…] [env.KEY=V]",
      collect,
      [],
    )
    .option(
      "--service <spec>",
      "a database (repeatable): NAME=ENGINE[:VERSION] [storage=SIZE] (postgres, mysql, redis, mongodb)",
      collect,
      [],
    )
    .option("--no-console", "do not deploy the web console")
    .option("--name <project>", "project name (default: the folder's name)")
    .option(
      "--package-spec <spec>",
      "npm spec of the Skipper dependency, e.g. a tarball path (default: this kip's own folder as file:<path> while Skipper is unpublished, else ^<its version>)",
    )
    .option(
      "--ssh-key <file>",
      "private key to store as the config secret skipper:sshPrivateKey (through the pulumi CLI)",
    )
    .option("--stack <name>", "Pulumi stack the SSH key secret is set on", "dev")
    .option("--force", "write into a folder that is not empty (overwrites the project files)")
    .option("--from <compose-file>", "turn a docker-compose.yml into apps and services (what cannot map is reported)")
    .option("--prompt <text>", "describe the apps and databases in a sentence; an AI provider writes them")
    .option("--ai-provider <name>", "openai (any OpenAI-compatible endpoint) or anthropic [env KIP_AI_PROVIDER]")
    .option("--ai-model <model>", "model name [env KIP_AI_MODEL]")
    .option("--ai-base-url <url>", "API base URL, e.g. http://127.0.0.1:11434/v1 for Ollama [env KIP_AI_BASE_URL]")
    .option("--ai-timeout <seconds>", "give up on an AI answer after this long", "60")
    .option("--json", "print a JSON summary on stdout")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  kip init my-stack                                   # asks the questions\n" +
        "  kip init my-stack --yes --host 203.0.113.10 --gateway skipper.run \\\n" +
        "      --service 'db=postgres:16 storage=10Gi' --app 'web=ghcr.io/acme/web:1.4.2 port=3000 bind=db'\n" +
        "  kip init my-stack --yes --host 203.0.113.10 --gateway skipper.run --from docker-compose.yml\n" +
        '  kip init my-stack --yes --host 203.0.113.10 --gateway skipper.run --prompt "a Rails app with Postgres"\n' +
        "\nThe AI provider's API key is read from KIP_AI_API_KEY only (never a flag, never printed).\n" +
        "Secrets are never written to a file: with --ssh-key and the pulumi CLI installed the key is stored with\n" +
        "`pulumi config set --secret`; otherwise the commands to run are printed.\n" +
        "Exit codes: 0 done, 1 failed (I/O, AI provider unreachable or no answer in time), 2 refused (invalid answer,\n" +
        "missing flag or AI provider, non-empty folder, a Compose file kip cannot read, a model's stack still invalid\n" +
        "after two repair rounds; the validator's errors are printed). Nothing is written unless it exits 0.",
    )
    .action(async (dir: string, flags: InitFlags) => {
      const { refusable } = await import("../codegen/refusal.ts");
      await refusable("init", async () => {
        const { runInit } = await import("../codegen/init-command.ts");
        await runInit(dir, flags);
      });
    });
}
