/**
 * What `kip app add|remove|list` and `kip service add|remove|list` share: find the stack file, parse it, refuse
 * what the validator would refuse, edit by syntax tree (`stack-edit.ts`), and replace the file atomically.
 *
 * Validation without running the file: the literal parts of the stack (hosts, domain, every literal app and service
 * field) are validated with `validateStack` before and after the edit, and the edit is refused when it introduces an
 * error (a bad image, a name the validator refuses, a binding to a service that does not exist, removing a service an
 * app still binds, …). Problems already in the file are not the edit's and are left to `kip synth`.
 */
import { readFileSync } from "node:fs";
import { SpecErrors } from "../../core/errors.ts";
import type { StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { resolveStackTarget } from "../synth/load.ts";
import { DEFAULT_K3S_VERSION } from "./init-project.ts";
import { entryText, type Plain } from "./literal.ts";
import { EXIT, indent, Refusal } from "./refusal.ts";
import {
  addEntry,
  DuplicateError,
  type Entry,
  MissingError,
  removeEntry,
  type Section,
  ShapeError,
  StackFile,
} from "./stack-edit.ts";
import type { StaticValue } from "./static-value.ts";
import { replaceFileAtomically } from "./write-files.ts";

export interface EntryCommandOptions {
  /** The stack file (default: `main` of Pulumi.yaml in the current folder). */
  readonly file?: string;
  readonly json?: boolean;
}

const PLACEHOLDER_HOSTS = [{ address: "203.0.113.10" }];

function isObject(v: StaticValue | undefined): v is Record<string, StaticValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The literal parts of the stack as a spec, with `change` applied to one entry (undefined value = removed). */
function literalSpec(file: StackFile, change?: { section: Section; name: string; value?: Plain }): StackSpec {
  const sectionRecord = (section: Section): Record<string, unknown> => {
    const out: Record<string, unknown> = Object.fromEntries(file.entries(section).map((e) => [e.name, e.value]));
    if (change?.section === section) {
      if (change.value === undefined) delete out[change.name];
      else out[change.name] = change.value;
    }
    return out;
  };
  const cluster = file.literal("cluster");
  const hosts = file.hosts();
  const k3s = isObject(cluster) && isObject(cluster["k3s"]) ? cluster["k3s"] : { version: DEFAULT_K3S_VERSION };
  const clusterRest = isObject(cluster) ? cluster : {};
  const domain = file.literal("domain");
  const consoleSpec = file.literal("console");
  return {
    cluster: { ...clusterRest, hosts: Array.isArray(hosts) ? hosts : PLACEHOLDER_HOSTS, k3s },
    ...(isObject(domain) && { domain }),
    services: sectionRecord("services"),
    apps: sectionRecord("apps"),
    ...(isObject(consoleSpec) && { console: consoleSpec }),
  } as unknown as StackSpec;
}

function problems(spec: StackSpec): string[] {
  try {
    validateStack(spec);
    return [];
  } catch (err) {
    if (err instanceof SpecErrors) return err.errors.map((e) => e.message);
    throw err;
  }
}

function singular(section: Section): string {
  return section === "apps" ? "app" : "service";
}

interface Loaded {
  readonly path: string;
  readonly shown: string;
  readonly file: StackFile;
}

function load(opts: EntryCommandOptions, snippet: () => string, section: Section): Loaded {
  const target = resolveStackTarget(opts.file, process.cwd());
  const text = readFileSync(target.file, "utf8");
  try {
    const file = new StackFile(text, target.file);
    file.entries(section); // names must be readable
    return { path: target.file, shown: target.shown, file };
  } catch (err) {
    if (err instanceof ShapeError) throw shapeRefusal(target.shown, err, section, snippet());
    throw err;
  }
}

function shapeRefusal(shown: string, err: Error, _section: Section, snippet: string): Refusal {
  return new Refusal(
    `${shown} does not have a shape kip can edit safely: ${err.message}.\n` +
      `Nothing was written. Make the change by hand: ${snippet}`,
    EXIT.shape,
  );
}

/** Add an entry. */
export function addToStack(section: Section, name: string, value: Plain, opts: EntryCommandOptions): void {
  const snippet = () =>
    `add this entry to the '${section}' object of the stack:\n\n${indent(`${entryText(name, value, "    ")},`, "    ")}\n`;
  const { path, shown, file } = load(opts, snippet, section);
  const introduced = newProblems(file, { section, name, value });
  if (introduced.length > 0) {
    throw new Refusal(
      `refused, ${singular(section)} '${name}' would make the stack invalid:\n${indent(introduced.join("\n"))}`,
    );
  }
  let next: string;
  try {
    next = addEntry(file, section, name, value);
  } catch (err) {
    if (err instanceof DuplicateError) throw new Refusal(`${err.message}; remove it first or choose another name`);
    if (err instanceof ShapeError) throw shapeRefusal(shown, err, section, snippet());
    throw err;
  }
  replaceFileAtomically(path, next);
  report(
    opts,
    { action: "added", section, name, file: shown },
    `kip ${singular(section)} add: added ${singular(section)} '${name}' to ${shown}`,
  );
}

/** Remove an entry. */
export function removeFromStack(section: Section, name: string, opts: EntryCommandOptions): void {
  const snippet = () => `delete the entry '${name}' from the '${section}' object of the stack.\n`;
  const { path, shown, file } = load(opts, snippet, section);
  const introduced = newProblems(file, { section, name });
  if (introduced.length > 0) {
    throw new Refusal(
      `refused, removing ${singular(section)} '${name}' would make the stack invalid:\n${indent(introduced.join("\n"))}`,
    );
  }
  let next: string;
  try {
    next = removeEntry(file, section, name);
  } catch (err) {
    if (err instanceof MissingError) throw new Refusal(err.message);
    if (err instanceof ShapeError) throw shapeRefusal(shown, err, section, snippet());
    throw err;
  }
  replaceFileAtomically(path, next);
  report(
    opts,
    { action: "removed", section, name, file: shown },
    `kip ${singular(section)} remove: removed ${singular(section)} '${name}' from ${shown}`,
  );
}

function newProblems(file: StackFile, change: { section: Section; name: string; value?: Plain }): string[] {
  const before = new Set(problems(literalSpec(file)));
  return problems(literalSpec(file, change)).filter((m) => !before.has(m));
}

function report(opts: EntryCommandOptions, json: Record<string, string>, line: string): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else process.stdout.write(`${line}\n`);
}

/** The columns `list` shows per section. */
const COLUMNS: Record<Section, readonly string[]> = {
  apps: ["image", "port", "replicas", "bind", "domains"],
  services: ["engine", "version", "storage", "project"],
};

function cell(entry: Entry, key: string): string {
  if (entry.computed.includes(key)) return "(expression)";
  const v = entry.value[key];
  if (v === undefined) return "-";
  return Array.isArray(v) ? v.join(",") || "-" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** List the entries of a section. */
export function listStack(section: Section, opts: EntryCommandOptions): void {
  const { file } = load(opts, () => "", section);
  const entries = file.entries(section);
  if (opts.json) {
    const out = entries.map((e) => ({ name: e.name, ...e.value, ...(e.computed.length && { computed: e.computed }) }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write(`no ${section} (add one with kip ${singular(section)} add)\n`);
    return;
  }
  const header = ["NAME", ...COLUMNS[section].map((c) => c.toUpperCase())];
  const rows = entries.map((e) => [e.name, ...COLUMNS[section].map((c) => cell(e, c))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${[fmt(header), ...rows.map(fmt)].join("\n")}\n`);
}
