/**
 * The one code generator of `kip init` (plain, `--prompt` and `--from` all end here): a validated `StackSpec` →
 * the source of `skipper.ts`, a single `export default defineStack({...})` whose apps and services are object
 * literals, so that `kip app|service add|remove` can edit it later. The hosts become `bareMetal({ hosts: [...] })`;
 * the SSH private key is never in the file (Pulumi config secret `skipper:sshPrivateKey`).
 *
 * Values are written through `literal.ts` (every string `JSON.stringify`-escaped); nothing from the spec reaches the
 * file any other way. The header comment holds only the sanitised project name.
 */
import type { StackSpec } from "../../core/spec.ts";
import { entryText, layout, type Plain } from "./literal.ts";

const UNIT = "  ";

/** Options of the generated file. */
export interface StackFileOptions {
  /** The project name (already sanitised to `[a-z0-9-]`), shown in the header comment. */
  readonly project: string;
  /** The module the stack imports `defineStack` and `bareMetal` from. */
  readonly packageName: string;
}

/** A project name safe for Pulumi, npm and a comment: lower-case letters, digits and '-' (fallback `skipper-stack`). */
export function sanitizeProjectName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50)
    .replace(/-+$/, "");
  return name === "" || /^[0-9]/.test(name) ? `skipper-${name || "stack"}` : name;
}

function asPlain(value: unknown): Plain {
  return value as Plain;
}

/** The source of `skipper.ts` for `spec` (which the caller has validated). */
export function generateStackFile(spec: StackSpec, opts: StackFileOptions): string {
  const { hosts, ...clusterRest } = spec.cluster;
  const inner = UNIT.repeat(2);
  const clusterLines = [
    `${inner}provider: bareMetal(${layout({ hosts: asPlain(hosts) }, inner, "provider: bareMetal(", UNIT)}),`,
    ...Object.entries(clusterRest)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${inner}${entryText(k, asPlain(v), inner, UNIT)},`),
  ];
  const body: string[] = [`${UNIT}cluster: {\n${clusterLines.join("\n")}\n${UNIT}},`];
  if (spec.domain !== undefined) body.push(`${UNIT}${entryText("domain", asPlain(spec.domain), UNIT, UNIT)},`);
  body.push(section("services", spec.services ?? {}), section("apps", spec.apps ?? {}));
  if (spec.console !== undefined) body.push(`${UNIT}${entryText("console", asPlain(spec.console), UNIT, UNIT)},`);
  return [
    "/**",
    ` * The Skipper stack of ${opts.project}. \`pulumi up\` deploys it; \`kip synth\` renders it offline.`,
    " * Edit it by hand, or with `kip app add|remove|list` and `kip service add|remove|list`, which keep your",
    " * formatting and comments. The SSH private key is not in this file: it is the Pulumi config secret",
    " * skipper:sshPrivateKey (`pulumi config set --secret skipper:sshPrivateKey < ~/.ssh/id_ed25519`).",
    " */",
    `import { bareMetal, defineStack } from ${JSON.stringify(opts.packageName)};`,
    "",
    "export default defineStack({",
    ...body,
    "});",
    "",
  ].join("\n");
}

/** `apps` / `services`: one entry per line (what `kip app add` appends to), `{}` when empty. */
function section(key: string, entries: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(entries);
  if (names.length === 0) return `${UNIT}${key}: {},`;
  const inner = UNIT.repeat(2);
  const lines = names.map((n) => `${inner}${entryText(n, asPlain(entries[n]), inner, UNIT)},`);
  return `${UNIT}${key}: {\n${lines.join("\n")}\n${UNIT}},`;
}
