/**
 * An on-disk cache of esbuild bundles, so evaluating a stack (`pulumi preview`, `kip synth`, `kip diff`) does not
 * rebuild the console-api or the gateway every time: a build takes seconds, checking the cache a fraction of that.
 *
 * An entry is kept under a key made of everything that shapes the build apart from the sources (entry, options,
 * esbuild's version, the lockfile and tsconfig of the root) and lists every input file esbuild read with its SHA-256.
 * It is used only when each of those files still has that content and the stored output still has the hash the entry
 * records; anything else (a changed, missing or unreadable file, a damaged entry) is a miss and a fresh build. So a
 * cached bundle is byte for byte what a build would give. Entries are written to a temporary file and renamed into
 * place, so a crash or two programs at once never leave half an entry that could be read back.
 *
 * Where: `node_modules/.cache/skipper-bundles` of the project (the nearest `node_modules` at or above the package),
 * or `$SKIPPER_BUNDLE_CACHE`; `SKIPPER_BUNDLE_CACHE=off` turns it off. A folder that cannot be written only costs the
 * saving.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** What one cache entry records (the `.json` beside the `.mjs` output). */
interface Entry {
  readonly version: 1;
  /** Input files relative to the build's root, with the SHA-256 of their content. */
  readonly inputs: readonly (readonly [string, string])[];
  /** SHA-256 of the stored output. */
  readonly sha256: string;
}

/** How often the cache answered, in this process (read by tests and `bench/bundle-cache.ts`). */
export const bundleCacheStats = { hits: 0, misses: 0, writes: 0 };

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

/** The folder entries go in, or undefined when caching is off. */
export function bundleCacheDir(root: string): string | undefined {
  const setting = process.env["SKIPPER_BUNDLE_CACHE"];
  if (setting === "off" || setting === "0") return undefined;
  if (setting) return path.resolve(setting);
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (path.basename(dir) === "node_modules") return path.join(dir, ".cache", "skipper-bundles");
    if (existsSync(path.join(dir, "node_modules"))) return path.join(dir, "node_modules", ".cache", "skipper-bundles");
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The key of a build: its settings plus the files of `root` that change how esbuild resolves and compiles. */
export function bundleCacheKey(root: string, settings: unknown): string {
  const context = ["package-lock.json", "tsconfig.json"].map((f) => {
    try {
      return sha256(readFileSync(path.join(root, f)));
    } catch {
      return "-";
    }
  });
  return sha256(JSON.stringify([settings, context]));
}

/** The cached output for `key`, when every input is unchanged; undefined otherwise. */
export function readCachedBundle(dir: string | undefined, root: string, key: string): Uint8Array | undefined {
  if (dir === undefined) return undefined;
  try {
    const entry = JSON.parse(readFileSync(path.join(dir, `${key}.json`), "utf8")) as Entry;
    if (entry.version !== 1 || !Array.isArray(entry.inputs)) throw new Error("unknown entry");
    for (const [file, hash] of entry.inputs) {
      if (sha256(readFileSync(path.resolve(root, file))) !== hash) throw new Error(`${file} changed`);
    }
    const output = readFileSync(path.join(dir, `${key}.mjs`));
    if (sha256(output) !== entry.sha256) throw new Error("damaged output");
    bundleCacheStats.hits++;
    return output;
  } catch {
    bundleCacheStats.misses++;
    return undefined;
  }
}

/** Store a build's output and the content of every file it read (`inputs`, relative to `root`). */
export function writeCachedBundle(
  dir: string | undefined,
  root: string,
  key: string,
  inputs: readonly string[],
  output: Uint8Array,
): void {
  if (dir === undefined) return;
  const temp = (name: string) => path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString("hex")}`);
  const written: string[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    const entry: Entry = {
      version: 1,
      inputs: [...inputs].sort().map((file) => [file, sha256(readFileSync(path.resolve(root, file)))] as const),
      sha256: sha256(output),
    };
    // The output first: an entry is only ever read back once the output it names is complete.
    for (const [name, data] of [
      [`${key}.mjs`, output],
      [`${key}.json`, `${JSON.stringify(entry)}\n`],
    ] as const) {
      const file = temp(name);
      written.push(file);
      writeFileSync(file, data);
      renameSync(file, path.join(dir, name));
    }
    bundleCacheStats.writes++;
  } catch {
    // A read-only or full disk: the next run builds again.
    for (const file of written) rmSync(file, { force: true });
  }
}
