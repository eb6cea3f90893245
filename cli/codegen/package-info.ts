/**
 * The package `kip` runs from (this checkout, or the installed `skipper` package): its name, version and the
 * version ranges of the dependencies a generated project needs too. Found by walking up from this file to the first
 * package.json that declares the `kip` bin, so it works from `cli/codegen/` and from `dist/cli/codegen/` alike.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** Folder of the package.json. */
  readonly root: string;
  /** `"private": true`: this Skipper was never published, so the registry cannot give it to a project. */
  readonly private: boolean;
  /** Version range of a dependency (or devDependency) of the package, if it has one. */
  range(dependency: string): string | undefined;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as {
        name?: string;
        version?: string;
        private?: boolean;
        bin?: Record<string, string>;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      if (pkg.bin?.["kip"] && pkg.name && pkg.version) {
        const deps = { ...pkg.devDependencies, ...pkg.dependencies };
        cached = {
          name: pkg.name,
          version: pkg.version,
          root: dir,
          private: pkg.private === true,
          range: (d) => deps[d],
        };
        return cached;
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the package.json of kip (the one declaring the `kip` bin)");
    dir = up;
  }
}

/**
 * The npm spec a new project depends on Skipper by: `^<version>` for a published Skipper; for an unpublished one
 * (`private`, a checkout or a tarball install) its own folder as `file:<root>`, since the registry's package of the
 * same name is somebody else's.
 */
export function defaultPackageSpec(pkg: Pick<PackageInfo, "version" | "root" | "private"> = packageInfo()): string {
  return pkg.private ? `file:${pkg.root}` : `^${pkg.version}`;
}
