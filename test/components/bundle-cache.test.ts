/**
 * The on-disk bundle cache (`components/bundle-cache.ts`): a second evaluation reuses the bundle only while every file
 * the build read is unchanged, and a damaged, unwritable or disabled cache never changes what `bundleEntry` returns.
 * Real esbuild builds of a two-file entry in a temporary folder.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { bundleCacheDir, bundleCacheStats } from "../../components/bundle-cache.ts";
import { bundleEntry, forgetBundles } from "../../components/code-bundle.ts";

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});
const saved = process.env["SKIPPER_BUNDLE_CACHE"];
afterEach(() => {
  if (saved === undefined) delete process.env["SKIPPER_BUNDLE_CACHE"];
  else process.env["SKIPPER_BUNDLE_CACHE"] = saved;
  forgetBundles();
});

/** A project with `main.ts` importing `greeting.ts`, and its own (empty) node_modules for the cache. */
async function project(greeting: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "skipper-bundle-cache-"));
  temps.push(root);
  await mkdir(path.join(root, "node_modules"));
  await writeFile(path.join(root, "main.ts"), 'import { greeting } from "./greeting.ts";\nconsole.log(greeting());\n');
  await writeFile(
    path.join(root, "greeting.ts"),
    `export const greeting = (): string => ${JSON.stringify(greeting)};\n`,
  );
  return root;
}

const counts = () => ({ ...bundleCacheStats });
const delta = (before: typeof bundleCacheStats) => ({
  hits: bundleCacheStats.hits - before.hits,
  misses: bundleCacheStats.misses - before.misses,
  writes: bundleCacheStats.writes - before.writes,
});

describe("bundle cache on disk", () => {
  it("lives in the project's node_modules/.cache unless SKIPPER_BUNDLE_CACHE says otherwise", async () => {
    delete process.env["SKIPPER_BUNDLE_CACHE"];
    const root = await project("hi");
    assert.equal(bundleCacheDir(root), path.join(root, "node_modules", ".cache", "skipper-bundles"));
    // An installed package finds the node_modules folder it sits in.
    assert.equal(
      bundleCacheDir(path.join(root, "node_modules", "skipper")),
      path.join(root, "node_modules", ".cache", "skipper-bundles"),
    );
    process.env["SKIPPER_BUNDLE_CACHE"] = "off";
    assert.equal(bundleCacheDir(root), undefined);
  });

  it("reuses a build while its inputs are unchanged and builds again when one changes", async () => {
    delete process.env["SKIPPER_BUNDLE_CACHE"];
    const root = await project("hello");
    let before = counts();
    const first = bundleEntry({ entry: "main.ts", root, minify: false });
    assert.deepEqual(delta(before), { hits: 0, misses: 1, writes: 1 });
    assert.match(first.code, /"hello"/);

    forgetBundles();
    before = counts();
    const again = bundleEntry({ entry: "main.ts", root, minify: false });
    assert.deepEqual(delta(before), { hits: 1, misses: 0, writes: 0 });
    assert.equal(again.sha256, first.sha256);
    assert.equal(again.code, first.code);

    // The imported file, not the entry, changes: the cache must notice it.
    await writeFile(path.join(root, "greeting.ts"), 'export const greeting = (): string => "bonjour";\n');
    forgetBundles();
    before = counts();
    const changed = bundleEntry({ entry: "main.ts", root, minify: false });
    assert.deepEqual(delta(before), { hits: 0, misses: 1, writes: 1 });
    assert.match(changed.code, /"bonjour"/);
    assert.doesNotMatch(changed.code, /"hello"/);
    assert.notEqual(changed.sha256, first.sha256);
  });

  it("keeps builds with other settings apart", async () => {
    delete process.env["SKIPPER_BUNDLE_CACHE"];
    const root = await project("hello");
    const plain = bundleEntry({ entry: "main.ts", root, minify: false });
    forgetBundles();
    const before = counts();
    const minified = bundleEntry({ entry: "main.ts", root, minify: true });
    assert.deepEqual(delta(before), { hits: 0, misses: 1, writes: 1 });
    assert.ok(minified.bytes < plain.bytes, "the minified build is its own entry");
  });

  it("never returns a damaged entry: a changed output is rebuilt", async () => {
    delete process.env["SKIPPER_BUNDLE_CACHE"];
    const root = await project("intact");
    const first = bundleEntry({ entry: "main.ts", root, minify: false });
    const dir = bundleCacheDir(root)!;
    const outputs = (await readdir(dir)).filter((f) => f.endsWith(".mjs"));
    assert.equal(outputs.length, 1);
    const file = path.join(dir, outputs[0]!);
    await writeFile(file, (await readFile(file, "utf8")).replace("intact", "evil!!"));
    forgetBundles();
    const before = counts();
    const rebuilt = bundleEntry({ entry: "main.ts", root, minify: false });
    assert.deepEqual(delta(before), { hits: 0, misses: 1, writes: 1 });
    assert.equal(rebuilt.sha256, first.sha256);
    assert.match(rebuilt.code, /"intact"/);
  });

  it("builds as usual when the cache folder cannot be written, or is turned off", async () => {
    const root = await project("still works");
    // A path below a regular file can never be created.
    process.env["SKIPPER_BUNDLE_CACHE"] = path.join(root, "main.ts", "cache");
    const unwritable = bundleEntry({ entry: "main.ts", root, minify: false });
    assert.match(unwritable.code, /"still works"/);

    process.env["SKIPPER_BUNDLE_CACHE"] = "off";
    forgetBundles();
    const before = counts();
    const off = bundleEntry({ entry: "main.ts", root, minify: false });
    assert.deepEqual(delta(before), { hits: 0, misses: 0, writes: 0 });
    assert.equal(off.sha256, unwritable.sha256);
    assert.deepEqual(await readdir(path.join(root, "node_modules")), [], "nothing written when off");
  });
});
