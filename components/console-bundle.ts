/**
 * Everything the console-api needs at run time, as one file tree that `components/console.ts` ships in an archive:
 *
 * - `console-api.mjs`: `console-api/main.ts` bundled with esbuild (Fastify, `@kubernetes/client-node`, jose, …);
 * - `node_modules/…`: argon2 for the cluster. `@node-rs/argon2` is a native addon whose prebuilt binaries are per
 *   platform; the pinned Node image is Alpine (musl), which npm will not install on the glibc or macOS machine that
 *   runs `pulumi up`. Its WebAssembly build, `@node-rs/argon2-wasm32-wasi`, runs on every architecture (amd64 and
 *   arm64 hosts alike) and installs everywhere, so that is what ships: the installed package and its dependencies,
 *   laid out as in `node_modules` so the loader's own `require.resolve` finds them beside the bundle. The container
 *   sets `NAPI_RS_FORCE_WASI=error`, so no native binary is ever tried;
 * - `web/…`: the built web console (`console/dist`) when it exists.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import type { CodeBundle } from "../core/render/code-bundle.ts";
import type { ArchiveFile } from "./code-archive.ts";
import { bundleEntry, REPO_ROOT } from "./code-bundle.ts";

/** The console-api's entry, relative to the repository root. */
export const CONSOLE_API_ENTRY = "console-api/main.ts";
/** The bundle's name inside the archive. */
export const CONSOLE_API_FILE = "console-api.mjs";
/** Where the web console is built, relative to the repository root. */
export const CONSOLE_WEB_DIST = "console/dist";
/** The web console's folder inside the archive. */
export const CONSOLE_WEB_FOLDER = "web";
/** argon2's WebAssembly package, resolved at run time from the archive's `node_modules`. */
export const ARGON2_WASI_PACKAGE = "@node-rs/argon2-wasm32-wasi";
/**
 * argon2's per-platform packages (native `.node` files, and the WebAssembly one) stay out of the bundle: a `.node`
 * file cannot be bundled, and the WebAssembly loader finds its files relative to its own package folder.
 */
const ARGON2_PLATFORM_PACKAGES = "@node-rs/argon2-*";

export interface ConsoleFilesOptions {
  /** @default the repository root */
  readonly root?: string;
  /** @default CONSOLE_API_ENTRY */
  readonly entry?: string;
  /**
   * The built web console, relative to `root` or absolute; `false` ships the API alone.
   * @default CONSOLE_WEB_DIST when it holds an `index.html`
   */
  readonly webDir?: string | false;
}

export interface ConsoleFiles {
  /** The server bundle (also among `files`). */
  readonly bundle: CodeBundle;
  readonly files: readonly ArchiveFile[];
  /** Number of web console files shipped (0: none, the console-api serves the API only). */
  readonly webFiles: number;
  /** Where web assets were looked for, for messages. */
  readonly webDir?: string;
}

/** The console-api bundle (cached per process like every bundle). */
export function consoleApiBundle(root: string = REPO_ROOT, entry: string = CONSOLE_API_ENTRY): CodeBundle {
  return bundleEntry({ entry, root, fileName: CONSOLE_API_FILE, external: [ARGON2_PLATFORM_PACKAGES] });
}

/** The path of `file` inside the archive: from its first `node_modules/` on (nested installs keep their nesting). */
function archivePath(file: string): string {
  const normal = file.split(path.sep).join("/");
  const at = normal.indexOf("/node_modules/");
  if (at === -1) throw new Error(`${file} is not inside a node_modules folder`);
  return normal.slice(at + 1);
}

/** The folder of package `name` as Node's resolver finds it from `from` (walking up the `node_modules` folders). */
function findPackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Files never loaded at run time: type declarations, source maps, Markdown. Licences stay. */
const NOT_RUNTIME = /\.(d\.[cm]?ts|map|md)$/;

/**
 * The files the argon2 WebAssembly package loads at run time: the whole installed folder of it and of every package
 * it depends on (dependencies, peers and optional ones, found as Node's resolver finds them), minus declarations,
 * maps and docs. Whole folders rather than a static trace: its runtime picks `@emnapi/core` by computed `require`
 * calls anchored at the binding's folder, and reads the `.wasm` and the worker script from disk.
 */
export function argon2WasiFiles(root: string = REPO_ROOT): ArchiveFile[] {
  const start = findPackage(root, ARGON2_WASI_PACKAGE);
  if (!start) {
    throw new Error(
      `cannot ship the console-api: ${ARGON2_WASI_PACKAGE} is not installed under ${root}. ` +
        `Install it with: npm install ${ARGON2_WASI_PACKAGE}`,
    );
  }
  const packages = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const dir = queue.pop() as string;
    if (packages.has(dir)) continue;
    packages.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    const deps = ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((k) =>
      Object.keys((manifest[k] as Record<string, string> | undefined) ?? {}),
    );
    for (const dep of deps) {
      const found = findPackage(dir, dep);
      if (found) queue.push(found);
      else if (!(manifest["optionalDependencies"] as Record<string, string> | undefined)?.[dep]) {
        throw new Error(`cannot ship the console-api: ${dep}, needed by ${dir}, is not installed`);
      }
    }
  }
  const files: ArchiveFile[] = [];
  for (const dir of [...packages].sort()) {
    const prefix = archivePath(dir);
    for (const f of folderFiles(dir, prefix, (name) => name === "node_modules")) {
      if (!NOT_RUNTIME.test(f.path)) files.push(f);
    }
  }
  return files;
}

/** Every file under `dir`, as archive entries under `prefix/`, leaving out folders `skip` names. */
function folderFiles(dir: string, prefix: string, skip: (folder: string) => boolean = () => false): ArchiveFile[] {
  const out: ArchiveFile[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, relPath);
      if (statSync(full).isDirectory()) {
        if (!skip(name)) walk(relPath);
      } else out.push({ path: `${prefix}/${relPath}`, data: readFileSync(full) });
    }
  };
  walk("");
  return out;
}

/** The whole tree the console-api runs from. */
export function consoleFiles(opts: ConsoleFilesOptions = {}): ConsoleFiles {
  const root = path.resolve(opts.root ?? REPO_ROOT);
  const bundle = consoleApiBundle(root, opts.entry ?? CONSOLE_API_ENTRY);
  const files: ArchiveFile[] = [
    { path: CONSOLE_API_FILE, data: Buffer.from(bundle.code, "utf8") },
    ...argon2WasiFiles(root),
  ];
  if (opts.webDir === false) return { bundle, files, webFiles: 0 };
  const webDir = path.resolve(root, opts.webDir ?? CONSOLE_WEB_DIST);
  if (!existsSync(path.join(webDir, "index.html"))) {
    if (opts.webDir !== undefined) {
      throw new Error(
        `the web console folder ${webDir} has no index.html: build it first (cd console && npm run build)`,
      );
    }
    return { bundle, files, webFiles: 0, webDir };
  }
  const web = folderFiles(webDir, CONSOLE_WEB_FOLDER);
  return { bundle, files: [...files, ...web], webFiles: web.length, webDir };
}
