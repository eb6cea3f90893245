/**
 * Bundle one of our TypeScript entries (the gateway, later the console-api) into a single ES module with esbuild, so
 * it can ship in a ConfigMap and run in a public Node image (see `core/render/code-bundle.ts` for the Kubernetes side).
 *
 * Determinism matters: the bundle's hash goes into the pod template, so the same sources must give the same bytes on
 * every machine, or every preview would show a rollout. Paths in the output are relative to the repository root, no
 * source map or build time is embedded, and esbuild's output order is stable for a given input.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync, version as esbuildVersion, type Message } from "esbuild";
import type { CodeBundle } from "../core/render/code-bundle.ts";
import { bundleCacheDir, bundleCacheKey, readCachedBundle, writeCachedBundle } from "./bundle-cache.ts";

/** The Node version bundles are built for (the pinned image runs Node 24). */
const TARGET = "node24";

/**
 * The repository root: the folder above `components/` in a checkout, or the package folder when this file runs compiled
 * from the package's `dist/components/` (the package ships the bundled entries' sources beside `dist/`).
 */
const ABOVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = path.basename(ABOVE) === "dist" ? path.dirname(ABOVE) : ABOVE;

/**
 * CommonJS dependencies (Fastify and friends) call `require` for Node built-ins; an ES module has none, so the bundle
 * defines one first. The alias keeps the name from clashing with anything in the bundled code.
 */
const REQUIRE_SHIM =
  'import { createRequire as __skipperCreateRequire } from "node:module";\n' +
  "const require = __skipperCreateRequire(import.meta.url);";

export interface BundleOptions {
  /** The entry file, relative to `root` (e.g. `gateway/main.ts`) or absolute. */
  readonly entry: string;
  /** File name of the output inside the mount; defaults to the entry's base name with `.mjs`. */
  readonly fileName?: string;
  /**
   * Directory paths are taken relative to; it also anchors module resolution.
   * @default the repository root
   */
  readonly root?: string;
  /**
   * Minify the output. A Fastify server is about 1.5 MB unminified and 0.65 MB minified: only the latter fits a
   * ConfigMap.
   * @default true
   */
  readonly minify?: boolean;
  /** Packages left out of the bundle (they must then exist in the image, which the stock Node image does not have). */
  readonly external?: readonly string[];
  /**
   * Reuse an earlier bundle of the same entry: in this process, and from the disk cache when none of its input files
   * changed (`bundle-cache.ts`). `false` always builds.
   * @default true
   */
  readonly cache?: boolean;
}

const cache = new Map<string, CodeBundle>();

/** Forget the bundles of this process (the disk cache stays): the next `bundleEntry` looks at the sources again. */
export function forgetBundles(): void {
  cache.clear();
}

/**
 * Bundle `entry` into one ES module for Node 24. Results are cached per process (the sources do not change mid-run)
 * and on disk, keyed on the content of every file the build read.
 */
export function bundleEntry(opts: BundleOptions): CodeBundle {
  const root = path.resolve(opts.root ?? REPO_ROOT);
  const absolute = path.resolve(root, opts.entry);
  const entry = path.relative(root, absolute).split(path.sep).join("/");
  const fileName = opts.fileName ?? `${path.basename(absolute).replace(/\.[cm]?[jt]sx?$/, "")}.mjs`;
  const minify = opts.minify ?? true;
  const key = JSON.stringify([absolute, fileName, minify, opts.external ?? []]);
  const cached = opts.cache === false ? undefined : cache.get(key);
  if (cached) return cached;

  if (!existsSync(absolute)) {
    throw new Error(
      `cannot bundle ${entry}: no such file under ${root}. Pass the entry relative to the repository root.`,
    );
  }
  const settings = { entry, fileName, minify, external: opts.external ?? [], esbuild: esbuildVersion, TARGET };
  const cacheDir = opts.cache === false ? undefined : bundleCacheDir(root);
  const cacheKey = bundleCacheKey(root, settings);
  let output = readCachedBundle(cacheDir, root, cacheKey);
  if (output === undefined) output = build(absolute, root, entry, minify, opts.external ?? [], cacheDir, cacheKey);
  const code = Buffer.from(output).toString("utf8");
  const bundle: CodeBundle = {
    entry,
    fileName,
    code,
    sha256: createHash("sha256").update(output).digest("hex"),
    bytes: output.byteLength,
  };
  cache.set(key, bundle);
  return bundle;
}

/** Run esbuild, and keep the result in the disk cache with the files it read. */
function build(
  absolute: string,
  root: string,
  entry: string,
  minify: boolean,
  external: readonly string[],
  cacheDir: string | undefined,
  cacheKey: string,
): Uint8Array {
  let output: Uint8Array;
  let inputs: string[];
  try {
    const result = buildSync({
      entryPoints: [absolute],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      format: "esm",
      target: TARGET,
      minify,
      legalComments: "none",
      charset: "utf8",
      sourcemap: false,
      write: false,
      logLevel: "silent",
      banner: { js: REQUIRE_SHIM },
      external: [...external],
      metafile: true,
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error("esbuild produced no output");
    output = file.contents;
    inputs = Object.keys(result.metafile.inputs);
  } catch (err) {
    throw new Error(`cannot bundle ${entry}: ${describeBuildFailure(err)}`);
  }
  writeCachedBundle(cacheDir, root, cacheKey, inputs, output);
  return output;
}

function describeBuildFailure(err: unknown): string {
  const errors = (err as { errors?: Message[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors
      .slice(0, 5)
      .map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text))
      .join("; ");
  }
  return err instanceof Error ? err.message : String(err);
}
