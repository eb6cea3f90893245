/**
 * Editing the apps and services of a stack file by syntax tree, the way a person would: `kip` parses the file
 * (ts-morph), finds the object given to `export default defineStack(...)` (directly, or returned by the function form)
 * and its `apps` / `services` object literal, and splices text at exact positions. Every byte outside the entry it
 * adds or removes (formatting, comments, the order of everything else) stays as it was, and an entry added then
 * removed gives back the original file byte for byte.
 *
 * Layout rules, mirrored between add and remove:
 * - entries on their own lines: a new entry becomes a new line after the last one (after its trailing comment),
 *   with the last entry's indentation and its trailing-comma style; removing deletes the entry's line(s);
 * - entries on one line: `, name: {…}` is appended inline; removing deletes it and the comma before it;
 * - an empty `{}` becomes a block with the one entry; removing the only entry gives back `{}`.
 *
 * When the file does not have that shape (no `defineStack` default export, `apps` built by a function, a spread
 * whose names cannot be known, …) a `ShapeError` says why, and the caller prints the snippet to paste by hand.
 */
import { Node, type ObjectLiteralExpression, Project, type SourceFile, SyntaxKind } from "ts-morph";
import { entryText, inline, type Plain } from "./literal.ts";
import { propertyName, type StaticValue, staticValue, UNKNOWN, unwrap } from "./static-value.ts";

export type Section = "apps" | "services";

/** The file has no shape `kip` can edit safely. */
export class ShapeError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ShapeError";
  }
}

export interface Entry {
  readonly name: string;
  /** The entry's literal fields (non-literal ones left out). */
  readonly value: Record<string, StaticValue>;
  /** Fields whose value is an expression kip cannot read without running the file. */
  readonly computed: readonly string[];
  readonly line: number;
}

let project: Project | undefined;
let parsed = 0;

/** A parsed stack file. */
export class StackFile {
  readonly text: string;
  readonly source: SourceFile;
  readonly stack: ObjectLiteralExpression;

  private readonly cache = new Map<Section, Entry[]>();

  constructor(text: string, fileName = "skipper.ts") {
    this.text = text;
    // One in-memory project for every file parsed in this process; each file gets its own name in it.
    project ??= new Project({ useInMemoryFileSystem: true, compilerOptions: { noLib: true } });
    const base = fileName.replace(/\.[cm]?[jt]s$/, "").replace(/^.*[/\\]/, "");
    this.source = project.createSourceFile(`/${++parsed}/${base}.ts`, text);
    this.stack = findStackObject(this.source);
  }

  /** The section's object literal, undefined when the stack object has no such property. */
  section(section: Section): ObjectLiteralExpression | undefined {
    const props = this.stack.getProperties();
    const prop = props.find((p) => propertyName(p) === section);
    if (!prop) {
      if (props.some((p) => Node.isSpreadAssignment(p) || Node.isShorthandPropertyAssignment(p) || !propertyName(p))) {
        throw new ShapeError(`the stack object has no literal '${section}' and spreads or computes other properties`);
      }
      return undefined;
    }
    if (!Node.isPropertyAssignment(prop)) throw new ShapeError(`'${section}' is not written as '${section}: { … }'`);
    const value = unwrap(prop.getInitializerOrThrow());
    if (!Node.isObjectLiteralExpression(value)) {
      throw new ShapeError(`'${section}' is not an object literal (it is ${describe(value)})`);
    }
    return value;
  }

  /** The entries of a section, in file order. Throws `ShapeError` when some names cannot be read. */
  entries(section: Section): Entry[] {
    const cached = this.cache.get(section);
    if (cached) return cached;
    const list = this.readEntries(section);
    this.cache.set(section, list);
    return list;
  }

  private readEntries(section: Section): Entry[] {
    const obj = this.section(section);
    if (!obj) return [];
    return obj.getProperties().map((p) => {
      const name = propertyName(p);
      if (name === undefined || !Node.isPropertyAssignment(p)) {
        throw new ShapeError(
          `'${section}' has an entry kip cannot name (${describe(p)}, line ${p.getStartLineNumber()})`,
        );
      }
      const init = unwrap(p.getInitializerOrThrow());
      const value = staticValue(init);
      const plain = value !== UNKNOWN && typeof value === "object" && !Array.isArray(value) ? value : {};
      // Fields left out of the literal value are the ones written as expressions.
      const computed = Node.isObjectLiteralExpression(init)
        ? init
            .getProperties()
            .map((q) => propertyName(q))
            .map((k, i) =>
              k === undefined
                ? init.getProperties()[i]!.getText().slice(0, 30)
                : Object.hasOwn(plain, k)
                  ? undefined
                  : k,
            )
            .filter((k): k is string => k !== undefined)
        : ["(whole entry)"];
      return { name, value: plain, computed, line: p.getStartLineNumber() };
    });
  }

  /** The stack's other literal parts (cluster hosts, domain, console) for validating an edit. */
  literal(key: string): StaticValue | undefined {
    const prop = this.stack.getProperties().find((p) => propertyName(p) === key);
    if (!prop || !Node.isPropertyAssignment(prop)) return undefined;
    const v = staticValue(prop.getInitializerOrThrow());
    return v === UNKNOWN ? undefined : v;
  }

  /** The hosts given to `bareMetal({ hosts: [...] })` (or any provider call with a literal `hosts`), when literal. */
  hosts(): StaticValue | undefined {
    const cluster = this.stack.getProperties().find((p) => propertyName(p) === "cluster");
    if (!cluster || !Node.isPropertyAssignment(cluster)) return undefined;
    const obj = unwrap(cluster.getInitializerOrThrow());
    if (!Node.isObjectLiteralExpression(obj)) return undefined;
    const provider = obj.getProperties().find((p) => propertyName(p) === "provider");
    if (!provider || !Node.isPropertyAssignment(provider)) return undefined;
    const call = unwrap(provider.getInitializerOrThrow());
    if (!Node.isCallExpression(call)) return undefined;
    const arg = call.getArguments()[0];
    const args = arg ? staticValue(arg) : UNKNOWN;
    return args !== UNKNOWN && typeof args === "object" && !Array.isArray(args) ? args["hosts"] : undefined;
  }
}

function describe(node: Node): string {
  const text = node.getText().replace(/\s+/g, " ");
  return `\`${text.length > 40 ? `${text.slice(0, 40)}…` : text}\``;
}

/** The object literal the stack is declared with. */
function findStackObject(source: SourceFile): ObjectLiteralExpression {
  const exported = source.getExportAssignment((e) => !e.isExportEquals());
  if (!exported) throw new ShapeError("it has no `export default defineStack({...})`");
  const call = unwrap(exported.getExpression());
  if (!Node.isCallExpression(call) || !/(^|\.)defineStack$/.test(call.getExpression().getText())) {
    throw new ShapeError(`its default export is not a call of defineStack (it is ${describe(call)})`);
  }
  const arg = call.getArguments()[0];
  if (!arg) throw new ShapeError("defineStack is called without an argument");
  const a = unwrap(arg);
  if (Node.isObjectLiteralExpression(a)) return a;
  if (Node.isArrowFunction(a) || Node.isFunctionExpression(a)) {
    const body = a.getBody();
    const b = body ? unwrap(body) : undefined;
    if (b && Node.isObjectLiteralExpression(b)) return b;
    if (b && Node.isBlock(b)) {
      // Exactly one `return`, at the top of the function's body (returns inside callbacks do not count).
      const own = b
        .getDescendantsOfKind(SyntaxKind.ReturnStatement)
        .filter((r) => r.getFirstAncestor((x) => Node.isArrowFunction(x) || Node.isFunctionLikeDeclaration(x)) === a);
      const value = own.length === 1 && own[0]!.getParent() === b ? own[0]!.getExpression() : undefined;
      const obj = value ? unwrap(value) : undefined;
      if (obj && Node.isObjectLiteralExpression(obj)) return obj;
      throw new ShapeError("the function given to defineStack does not end in a single `return { … }`");
    }
  }
  throw new ShapeError(`defineStack is given ${describe(a)}, not an object literal or a function returning one`);
}

interface Edit {
  readonly at: number;
  readonly end: number;
  readonly text: string;
}

function apply(text: string, edits: readonly Edit[]): string {
  let out = text;
  // From the end backwards; of two edits at one position, the one listed first ends up first in the text.
  const order = edits.map((e, i) => ({ e, i })).sort((x, y) => y.e.at - x.e.at || y.i - x.i);
  for (const { e } of order) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf("\n", pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const nl = text.indexOf("\n", pos);
  return nl < 0 ? text.length : nl;
}

/** Nothing but whitespace between the start of the line and `pos`. */
function startsLine(text: string, pos: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, pos), pos));
}

/** Nothing but whitespace and comments between `pos` and the end of its line. */
function endsLine(text: string, pos: number): boolean {
  return /^\s*(\/\/.*|\/\*.*?\*\/\s*)*$/.test(text.slice(pos, lineEnd(text, pos)));
}

function indentOf(text: string, pos: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, pos)))![0];
}

/** The file's indentation unit: a tab, or the smallest space indentation seen (2 by default). */
function indentUnit(text: string): string {
  if (/^\t/m.test(text)) return "\t";
  const widths = [...text.matchAll(/^( +)\S/gm)].map((m) => m[1]!.length);
  const min = widths.length ? Math.min(...widths) : 2;
  return " ".repeat(min > 0 && min <= 8 ? min : 2);
}

function commaAfter(node: Node): Node | undefined {
  return node.getNextSiblingIfKind(SyntaxKind.CommaToken);
}

/** The text with `key: value` added as the last property of `obj`. */
function insertProperty(text: string, obj: ObjectLiteralExpression, key: string, value: Plain): string {
  const unit = indentUnit(text);
  const props = obj.getProperties();
  const last = props.at(-1);
  if (!last) {
    const open = obj.getStart();
    const close = obj.getEnd() - 1;
    const inner = text.slice(open + 1, close);
    const indent = indentOf(text, open) + unit;
    if (inner.trim() === "") {
      const entry = entryText(key, value, indent, unit);
      return apply(text, [{ at: open, end: obj.getEnd(), text: `{\n${indent}${entry},\n${indentOf(text, open)}}` }]);
    }
    // Only comments inside: the entry goes on a new line after them.
    const nl = text.lastIndexOf("\n", close);
    if (nl > open && /^[ \t]*$/.test(text.slice(nl + 1, close))) {
      return apply(text, [{ at: nl, end: nl, text: `\n${indent}${entryText(key, value, indent, unit)},` }]);
    }
    return apply(text, [{ at: close, end: close, text: ` ${inline({ [key]: value }).slice(2, -2)} ` }]);
  }
  const comma = commaAfter(last);
  const endTok = comma ?? last;
  if (startsLine(text, last.getStart()) && endsLine(text, endTok.getEnd())) {
    const indent = indentOf(text, last.getStart());
    const at = lineEnd(text, endTok.getEnd());
    const entry = entryText(key, value, indent, unit);
    if (comma) return apply(text, [{ at, end: at, text: `\n${indent}${entry},` }]);
    return apply(text, [
      { at: last.getEnd(), end: last.getEnd(), text: "," },
      { at, end: at, text: `\n${indent}${entry}` },
    ]);
  }
  const flat = `${entryText(key, value, "", unit).split("\n").length > 1 ? inline({ [key]: value }).slice(2, -2) : entryText(key, value, "", unit)}`;
  if (comma) return apply(text, [{ at: comma.getEnd(), end: comma.getEnd(), text: ` ${flat},` }]);
  return apply(text, [{ at: last.getEnd(), end: last.getEnd(), text: `, ${flat}` }]);
}

/** The text without property `name` of `obj` (the mirror of `insertProperty`). */
function removeProperty(text: string, obj: ObjectLiteralExpression, prop: Node): string {
  const props = obj.getProperties();
  const i = props.indexOf(prop as (typeof props)[number]);
  const comma = commaAfter(prop);
  const endTok = comma ?? prop;
  const inner = text.slice(obj.getStart() + 1, obj.getEnd() - 1);
  const rest = inner.replace(text.slice(prop.getStart(), endTok.getEnd()), "");
  if (props.length === 1 && rest.trim() === "")
    return apply(text, [{ at: obj.getStart(), end: obj.getEnd(), text: "{}" }]);
  const prev = i > 0 ? props[i - 1] : undefined;
  const prevComma = prev ? commaAfter(prev) : undefined;
  if (startsLine(text, prop.getStart()) && endsLine(text, endTok.getEnd())) {
    const edits: Edit[] = [{ at: lineStart(text, prop.getStart()) - 1, end: lineEnd(text, endTok.getEnd()), text: "" }];
    if (!comma && i === props.length - 1 && prevComma)
      edits.push({ at: prevComma.getStart(), end: prevComma.getEnd(), text: "" });
    return apply(text, edits);
  }
  const next = props[i + 1];
  if (next) return apply(text, [{ at: prop.getStart(), end: next.getStart(), text: "" }]);
  if (prev && comma && prevComma) return apply(text, [{ at: prevComma.getEnd(), end: comma.getEnd(), text: "" }]);
  if (prev) return apply(text, [{ at: prev.getEnd(), end: endTok.getEnd(), text: "" }]);
  return apply(text, [{ at: prop.getStart(), end: endTok.getEnd(), text: "" }]);
}

/** The file with `name` added to `section`. Throws `ShapeError`, or `Error` for a duplicate. */
export function addEntry(file: StackFile, section: Section, name: string, value: Plain): string {
  const existing = file.entries(section);
  if (existing.some((e) => e.name === name)) throw new DuplicateError(section, name);
  const obj = file.section(section);
  const next = obj
    ? insertProperty(file.text, obj, name, value)
    : insertProperty(file.text, file.stack, section, { [name]: value });
  checkEdit(file, next, section, [...existing.map((e) => e.name), name], { name, value });
  return next;
}

/** The file with `name` removed from `section`. */
export function removeEntry(file: StackFile, section: Section, name: string): string {
  const obj = file.section(section);
  const entries = file.entries(section);
  const prop = obj?.getProperties().find((p) => propertyName(p) === name);
  if (!obj || !prop)
    throw new MissingError(
      section,
      name,
      entries.map((e) => e.name),
    );
  const next = removeProperty(file.text, obj, prop);
  checkEdit(
    file,
    next,
    section,
    entries.map((e) => e.name).filter((n) => n !== name),
  );
  return next;
}

export class DuplicateError extends Error {
  constructor(section: Section, name: string) {
    super(`${section === "apps" ? "an app" : "a service"} named '${name}' already exists in the stack`);
  }
}

export class MissingError extends Error {
  constructor(section: Section, name: string, names: readonly string[]) {
    super(
      `no ${section === "apps" ? "app" : "service"} named '${name}' in the stack` +
        (names.length ? ` (${section}: ${names.join(", ")})` : ` (it has no ${section})`),
    );
  }
}

/**
 * Re-parse the edited text and check it: no syntax error, the section holds exactly the expected names, the added
 * entry reads back as the value written, and the other sections are untouched. A failure here is a bug in kip; it
 * is reported instead of writing a damaged file.
 */
function checkEdit(
  before: StackFile,
  text: string,
  section: Section,
  names: readonly string[],
  added?: { name: string; value: Plain },
): void {
  let after: StackFile;
  try {
    after = new StackFile(text, before.source.getBaseName());
  } catch (err) {
    throw new Error(`the edited file no longer parses as a stack (${(err as Error).message}); nothing was written`);
  }
  const problem = syntaxProblem(after.source);
  if (problem !== undefined) {
    throw new Error(`the edited file has a syntax error (${problem}); nothing was written`);
  }
  const got = after.entries(section).map((e) => e.name);
  if (JSON.stringify(got) !== JSON.stringify(names)) {
    throw new Error(`the edited ${section} read back as [${got.join(", ")}]; nothing was written`);
  }
  if (added) {
    const entry = after.entries(section).find((e) => e.name === added.name)!;
    if (JSON.stringify(entry.value) !== JSON.stringify(added.value)) {
      throw new Error(`the added entry read back differently; nothing was written`);
    }
  }
  const other: Section = section === "apps" ? "services" : "apps";
  const strip = (f: StackFile) => JSON.stringify(f.entries(other).map((e) => [e.name, e.value, e.computed]));
  if (strip(after) !== strip(before)) throw new Error(`the edit changed the ${other}; nothing was written`);
}

/**
 * The first syntax error of a parsed file, if any. The parser's own diagnostics (kept on the compiler's SourceFile) are
 * read directly, which costs nothing; building a program for them would cost more than the whole edit.
 */
function syntaxProblem(source: SourceFile): string | undefined {
  const parsed = (source.compilerNode as unknown as { parseDiagnostics?: readonly { messageText: unknown }[] })
    .parseDiagnostics;
  const list = parsed ?? source.getProject().getProgram().compilerObject.getSyntacticDiagnostics(source.compilerNode);
  const first = list[0];
  if (!first) return undefined;
  const text = first.messageText;
  return typeof text === "string" ? text : String((text as { messageText?: string }).messageText ?? text);
}
