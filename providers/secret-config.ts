/**
 * Secrets from Pulumi config (`pulumi config set --secret …`), shared by the providers (SSH key) and the components
 * (secret env of apps). A missing secret fails with the key, what it is for and the command that sets it.
 *
 * `kip synth` must render a stack without anybody's secrets: it switches on placeholders, and a missing secret then
 * becomes the visible secret value `<secret:KEY>`. The switch lives on `globalThis` so that a stack file importing
 * these modules through another path still sees it; only `kip synth` turns it on.
 */
import * as pulumi from "@pulumi/pulumi";

const PLACEHOLDERS = Symbol.for("skipper.synth.secretPlaceholders");

type WithFlag = typeof globalThis & { [PLACEHOLDERS]?: boolean };

/** Let missing secrets evaluate to `<secret:KEY>` (for `kip synth` only). */
export function useSecretPlaceholders(on: boolean): void {
  (globalThis as WithFlag)[PLACEHOLDERS] = on;
}

export function secretPlaceholdersEnabled(): boolean {
  return (globalThis as WithFlag)[PLACEHOLDERS] === true;
}

/** The placeholder `kip synth` shows for the missing secret `key`. */
export function secretPlaceholder(key: string): string {
  return `<secret:${key}>`;
}

/** A missing config secret; the message says how to set it. */
export class MissingSecretError extends Error {
  readonly key: string;
  constructor(key: string, purpose: string, howToSet: string) {
    super(`missing config secret '${key}' (${purpose}). Set it with: ${howToSet}`);
    this.name = "MissingSecretError";
    this.key = key;
  }
}

/**
 * Read the config secret `key` (`<namespace>:<name>`) as a secret Output.
 * @param purpose what the secret is for, shown in the error
 * @param howToSet the command that sets it, shown in the error
 */
export function requireSecretConfig(key: string, purpose: string, howToSet: string): pulumi.Output<string> {
  const colon = key.indexOf(":");
  const value = new pulumi.Config(key.slice(0, colon)).getSecret(key.slice(colon + 1));
  if (value !== undefined) return value;
  if (secretPlaceholdersEnabled()) return pulumi.secret(secretPlaceholder(key));
  throw new MissingSecretError(key, purpose, howToSet);
}
