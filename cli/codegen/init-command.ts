/**
 * The `kip init` action: gather the answers (flags with `--yes`, prompts otherwise), add the apps and services from
 * the flags, a Compose file (`--from`) or an AI provider (`--prompt`), then write the project through the shared
 * generator. Loaded only when `kip init` runs.
 */
import type { AppSpec, HostSpec, ServiceSpec } from "../../core/spec.ts";
import type { InitFlags } from "../commands/init.ts";
import { numberOrRaw, parseAppToken, parseServiceToken } from "./entry-flags.ts";
import {
  checkTargetFolder,
  describeResult,
  type InitAnswers,
  specFromAnswers,
  type WriteProjectResult,
  writeProject,
} from "./init-project.ts";
import { Refusal } from "./refusal.ts";

/** Apps and services gathered from several sources; a name given twice is refused. */
export class Entries {
  readonly apps: Record<string, AppSpec> = {};
  readonly services: Record<string, ServiceSpec> = {};

  addApp(name: string, spec: AppSpec, source: string): void {
    if (Object.hasOwn(this.apps, name)) throw new Refusal(`app '${name}' is given twice (again by ${source})`);
    this.apps[name] = spec;
  }

  addService(name: string, spec: ServiceSpec, source: string): void {
    if (Object.hasOwn(this.services, name)) throw new Refusal(`service '${name}' is given twice (again by ${source})`);
    this.services[name] = spec;
  }
}

/** The host and domain answers from flags (`--yes`). */
export async function answersFromFlags(flags: InitFlags): Promise<Omit<InitAnswers, "apps" | "services">> {
  if (!flags.host) throw new Refusal("--yes needs --host <address> (the server's IPv4 address or DNS name)");
  if (flags.gateway !== undefined && flags.ownDomains) {
    throw new Refusal("choose one domain mode: --gateway <domain> or --own-domains, not both");
  }
  if (flags.gateway === undefined && !flags.ownDomains) {
    throw new Refusal("--yes needs a domain mode: --gateway <domain> (e.g. skipper.run) or --own-domains");
  }
  const hostKey =
    flags.hostKey ?? (flags.fetchHostKey ? await fetchAndShowHostKey(flags.host, flags.sshPort) : undefined);
  const host = hostSpec(flags.host, flags.user, flags.sshPort, hostKey);
  return {
    host,
    ...(flags.gateway !== undefined && { gateway: flags.gateway }),
    ...(flags.acmeEmail !== undefined && { acmeEmail: flags.acmeEmail }),
    ...(flags.k3sVersion !== undefined && { k3sVersion: flags.k3sVersion }),
    console: flags.console && flags.gateway !== undefined,
  };
}

export function hostSpec(address: string, user?: string, port?: string, hostKey?: string): HostSpec {
  return {
    address,
    user: user ?? "root",
    ...(port !== undefined && port !== "22" && { port: numberOrRaw(port) as number }),
    ...(hostKey !== undefined && { hostKey }),
  };
}

/** Fetch the host key with ssh-keyscan, print its fingerprint (to compare out of band) and return it. */
export async function fetchAndShowHostKey(address: string, port = "22"): Promise<string> {
  const { fetchHostKeys } = await import("../commands/hostkey.ts");
  const { formatHostKey, hostKeyFingerprint, pickHostKey } = await import("../../core/k3s/hostkey.ts");
  const chosen = pickHostKey(await fetchHostKeys(address, Number(port) || 22))!;
  process.stderr.write(
    `kip init: pinning ${address}'s host key ${hostKeyFingerprint(chosen)}; compare it with ` +
      "`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the host's console\n",
  );
  return formatHostKey(chosen);
}

export async function runInit(dir: string, flags: InitFlags): Promise<WriteProjectResult> {
  checkTargetFolder(dir, !!flags.force);
  if (flags.from !== undefined && flags.prompt !== undefined) {
    throw new Refusal(
      "--from and --prompt do not combine: import the Compose file, then ask for more with kip app add",
    );
  }
  let base: Omit<InitAnswers, "apps" | "services">;
  const entries = new Entries();
  if (flags.yes) {
    base = await answersFromFlags(flags);
  } else {
    if (!process.stdin.isTTY) {
      throw new Refusal("no terminal to ask questions on: pass --yes with --host and --gateway/--own-domains");
    }
    const { askInitAnswers } = await import("./init-prompts.ts");
    const asked = await askInitAnswers(flags).catch((err: unknown) => {
      // Ctrl-C or a closed terminal while a question is open.
      if (err instanceof Error && err.name === "ExitPromptError")
        throw new Refusal("cancelled; nothing was written", 1);
      throw err;
    });
    base = asked.base;
    for (const [n, s] of Object.entries(asked.services)) entries.addService(n, s, "the answers");
    for (const [n, s] of Object.entries(asked.apps)) entries.addApp(n, s, "the answers");
  }
  for (const text of flags.service) entries.addService(...parseServiceToken(text), "--service");
  for (const text of flags.app) entries.addApp(...parseAppToken(text), "--app");

  if (flags.from !== undefined) {
    const { importComposeFile, formatReport } = await import("../compose/import.ts");
    let imported: import("../compose/import.ts").ComposeImport;
    try {
      imported = importComposeFile(flags.from);
    } catch (err) {
      throw new Refusal((err as Error).message);
    }
    process.stderr.write(formatReport(imported, flags.from));
    for (const [n, s] of Object.entries(imported.services)) entries.addService(n, s, flags.from);
    for (const [n, s] of Object.entries(imported.apps)) entries.addApp(n, s, flags.from);
  }
  const answers: InitAnswers = { ...base, apps: entries.apps, services: entries.services };
  let spec = specFromAnswers(answers);
  if (flags.prompt !== undefined) {
    const { stackFromPrompt } = await import("../ai/stack-from-prompt.ts");
    const { providerFromConfig } = await import("../ai/config.ts");
    const provider = await providerFromConfig(flags);
    spec = await stackFromPrompt(flags.prompt, spec, provider, {
      log: (line) => process.stderr.write(`kip init: ${line}\n`),
      timeoutMs: Number(flags.aiTimeout ?? "60") * 1000,
    });
  }
  const result = writeProject(spec, {
    dir,
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.packageSpec !== undefined && { packageSpec: flags.packageSpec }),
    ...(flags.sshKey !== undefined && { sshKeyFile: flags.sshKey }),
    ...(flags.stack !== undefined && { stack: flags.stack }),
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(describeResult(result));
  return result;
}
