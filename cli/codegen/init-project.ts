/**
 * `kip init` after the answers are in: the stack spec from the answers (hosts, domain mode, apps, services), checked
 * by `validateStack` exactly like a stack file, written as a new project all or nothing, then the SSH key secret
 * either set through the Pulumi CLI or explained. Shared by the `--yes`, interactive, `--prompt` and `--from` paths.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { AppSpec, DomainSpec, HostSpec, ServiceSpec, StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { defaultPackageSpec } from "./package-info.ts";
import { DEFAULT_STACK, projectFiles, SSH_KEY_KEY, secretSetupCommands } from "./project-files.ts";
import { Refusal } from "./refusal.ts";
import { sanitizeProjectName } from "./stack-file.ts";
import { visibleEntries, writeFilesAtomically } from "./write-files.ts";

/** The k3s release a new project pins (the one the example stack and the host tests use). */
export const DEFAULT_K3S_VERSION = "v1.31.4+k3s1";

/** Everything `kip init` needs, however it was asked for. */
export interface InitAnswers {
  readonly host: HostSpec;
  /** Gateway base domain (apps get `<app>-<cluster-id>.<gateway>`); undefined = own domains only. */
  readonly gateway?: string;
  readonly acmeEmail?: string;
  readonly k3sVersion?: string;
  readonly console: boolean;
  readonly apps: Readonly<Record<string, AppSpec>>;
  readonly services: Readonly<Record<string, ServiceSpec>>;
}

/** The stack spec of the answers (not yet validated). */
export function specFromAnswers(a: InitAnswers): StackSpec {
  const domain: DomainSpec | undefined =
    a.gateway !== undefined || a.acmeEmail !== undefined
      ? {
          ...(a.gateway !== undefined && { gateway: a.gateway }),
          ...(a.acmeEmail !== undefined && { acmeEmail: a.acmeEmail }),
        }
      : undefined;
  return {
    cluster: { hosts: [a.host], k3s: { version: a.k3sVersion ?? DEFAULT_K3S_VERSION } },
    ...(domain && { domain }),
    services: a.services,
    apps: a.apps,
    ...(a.console && { console: { enabled: true } }),
  };
}

/** Refuse a folder holding anything (but `.git`) unless forced; say what is there. */
export function checkTargetFolder(dir: string, force: boolean): void {
  const entries = visibleEntries(dir);
  if (entries.length > 0 && !force) {
    const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? ", …" : "");
    throw new Refusal(
      `${dir} is not empty (${shown}); choose an empty or new folder, or pass --force to write the project files over it`,
    );
  }
}

export interface WriteProjectOptions {
  readonly dir: string;
  readonly name?: string;
  readonly packageSpec?: string;
  /** A private key file to store as the stack's config secret (through the Pulumi CLI when it is installed). */
  readonly sshKeyFile?: string;
  readonly stack?: string;
}

export interface WriteProjectResult {
  readonly dir: string;
  readonly project: string;
  readonly files: readonly string[];
  readonly apps: readonly string[];
  readonly services: readonly string[];
  /** Whether the SSH key secret was set through the Pulumi CLI. */
  readonly secretSet: boolean;
  /** Commands left for the user to run (the secret, when it was not set). */
  readonly commands: readonly string[];
  /** The npm spec the project depends on Skipper by. */
  readonly packageSpec: string;
  /** Set when that spec is a folder without its compiled `dist/`: the command that builds it. */
  readonly buildFirst?: string;
}

/** Validate `spec` like a stack file and write the project; throws `SpecErrors` (nothing written) when invalid. */
export function writeProject(spec: StackSpec, opts: WriteProjectOptions): WriteProjectResult {
  validateStack(spec);
  const dir = resolve(opts.dir);
  const project = sanitizeProjectName(opts.name ?? basename(dir));
  if (opts.sshKeyFile !== undefined && !existsSync(opts.sshKeyFile)) {
    throw new Refusal(`--ssh-key ${opts.sshKeyFile}: no such file`);
  }
  const files = projectFiles(spec, {
    project,
    ...(opts.packageSpec !== undefined && { packageSpec: opts.packageSpec }),
  });
  writeFilesAtomically(dir, files);
  const stack = opts.stack ?? DEFAULT_STACK;
  const secretSet = opts.sshKeyFile !== undefined && setSecretWithPulumi(dir, opts.sshKeyFile, stack);
  const packageSpec = opts.packageSpec ?? defaultPackageSpec();
  const linked = packageSpec.startsWith("file:") ? resolve(dir, packageSpec.slice("file:".length)) : undefined;
  // A linked Skipper folder is imported through its compiled `dist/`, which a fresh checkout does not have yet.
  const unbuilt = linked !== undefined && existsSync(join(linked, "package.json")) && !existsSync(join(linked, "dist"));
  return {
    dir,
    project,
    files: [...files.keys()],
    apps: Object.keys(spec.apps ?? {}),
    services: Object.keys(spec.services ?? {}),
    secretSet,
    commands: secretSet ? [] : secretSetupCommands(opts.sshKeyFile ?? "~/.ssh/id_ed25519", stack),
    packageSpec,
    ...(unbuilt && { buildFirst: `npm run build --prefix ${JSON.stringify(linked)}` }),
  };
}

/**
 * Store the key as a config secret through the `pulumi` CLI (the key goes on stdin, never on argv or into a file).
 * False when the CLI is missing or refuses (not logged in, …): the caller then prints the commands instead.
 */
function setSecretWithPulumi(dir: string, keyFile: string, stack: string): boolean {
  const run = (args: string[], input?: Buffer) =>
    spawnSync("pulumi", args, { cwd: dir, input, stdio: ["pipe", "ignore", "pipe"], timeout: 60_000 });
  const select = run(["stack", "select", "--create", stack, "--non-interactive"]);
  if (select.error || select.status !== 0) {
    const why = select.error ? "the pulumi CLI is not installed" : `pulumi stack select failed: ${tail(select.stderr)}`;
    process.stderr.write(`kip init: ${why}; set the SSH key yourself (commands below)\n`);
    return false;
  }
  const set = run(["config", "set", "--secret", SSH_KEY_KEY, "--stack", stack], readFileSync(keyFile));
  if (set.status !== 0) {
    process.stderr.write(`kip init: pulumi config set failed: ${tail(set.stderr)}; set the SSH key yourself\n`);
    return false;
  }
  return true;
}

function tail(buf: Buffer | null): string {
  return (buf?.toString("utf8").trim().split("\n").at(-1) ?? "").slice(0, 300);
}

/** What `kip init` prints when the project is written. */
export function describeResult(r: WriteProjectResult): string {
  const lines = [
    `kip init: wrote ${r.files.join(", ")} to ${r.dir}`,
    `  project ${r.project}: ${r.apps.length} app(s)${r.apps.length ? ` (${r.apps.join(", ")})` : ""}, ` +
      `${r.services.length} service(s)${r.services.length ? ` (${r.services.join(", ")})` : ""}`,
    r.secretSet ? `  the SSH key is stored as the config secret ${SSH_KEY_KEY}` : "",
    `  depends on Skipper as ${r.packageSpec}` +
      (r.packageSpec.startsWith("file:")
        ? " (this copy: Skipper is not on the npm registry; --package-spec to change)"
        : ""),
    "next steps:",
    r.buildFirst ? `  ${r.buildFirst}   # compile that Skipper once` : "",
    `  cd ${JSON.stringify(r.dir)} && npm install`,
    ...r.commands.map((c) => `  ${c}`),
    "  npx kip synth     # render everything offline",
    "  pulumi up         # deploy",
  ];
  return `${lines.filter((l) => l !== "").join("\n")}\n`;
}
