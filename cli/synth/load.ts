/**
 * Finding and evaluating a stack file offline: which file (`main` of Pulumi.yaml by default), under which project
 * name, and evaluated as Pulumi's Node language host would, through the recording mock runtime.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";

export interface ProjectFile {
  /** The project name (`name:`). */
  readonly name: string;
  /** The program (`main:`), absolute. */
  readonly main?: string;
}

/** Read `Pulumi.yaml` in `dir`, or undefined when there is none. */
export function readProjectFile(dir: string): ProjectFile | undefined {
  const path = join(dir, "Pulumi.yaml");
  if (!existsSync(path)) return undefined;
  const doc = parse(readFileSync(path, "utf8")) as Record<string, unknown> | null;
  const name = typeof doc?.["name"] === "string" ? doc["name"] : undefined;
  if (!name) throw new Error(`${path}: 'name' is required (the Pulumi project name)`);
  const main = typeof doc?.["main"] === "string" ? resolve(dir, doc["main"]) : undefined;
  return { name, ...(main ? { main } : {}) };
}

export interface StackTarget {
  /** Absolute path of the stack file. */
  readonly file: string;
  /** How to show the file in messages (relative to the working directory when inside it). */
  readonly shown: string;
  readonly project: string;
}

/** The stack file to synthesise: the one given, else `main` of Pulumi.yaml in `cwd`. */
export function resolveStackTarget(given: string | undefined, cwd: string): StackTarget {
  const project = readProjectFile(cwd);
  const file = given ? resolve(cwd, given) : project?.main;
  if (!file) {
    throw new Error(`no stack file given and no Pulumi.yaml with 'main' in ${cwd}; run: kip synth stacks/skipper.ts`);
  }
  if (!existsSync(file)) throw new Error(`stack file not found: ${given ?? file}`);
  const rel = relative(cwd, file);
  const shown = rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
  // A stack file outside the project still gets the project name from the Pulumi.yaml next to it, if any.
  const name = project?.name ?? readProjectFile(dirname(file))?.name ?? "skipper";
  return { file, shown, project: name };
}

/**
 * Errors Node gives when a stack file written as an ES module is loaded as CommonJS: before Node 22 `require()` of an
 * ES module failed outright; Node 24 loads ES modules through `require()` but not those with top-level await, and
 * `require()` never takes a `file:` URL, which only an ES module's `import` understands.
 */
const LOADED_AS_COMMONJS =
  /require\(\) ES Module|ERR_REQUIRE_ESM|ERR_REQUIRE_ASYNC_MODULE|Cannot use import statement outside a module|MODULE_NOT_FOUND Cannot find module 'file:/;

/** Import a stack file (through whatever loader runs `kip`, tsx for `.ts`). */
export async function importStack(file: string): Promise<unknown> {
  try {
    return await import(pathToFileURL(file).href);
  } catch (err) {
    if (err instanceof Error && LOADED_AS_COMMONJS.test(`${(err as { code?: string }).code ?? ""} ${err.message}`)) {
      throw new Error(
        `${file} was loaded as CommonJS but is an ES module: add "type": "module" to the package.json next to it ` +
          "(as Pulumi's Node runtime needs too), or name it .mts",
      );
    }
    throw err;
  }
}
