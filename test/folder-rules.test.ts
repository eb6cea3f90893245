/**
 * The folder rules of DESIGN.md §1, checked on every source file: which folders a file may import from, and which
 * packages the gateway, the console-api and `core/` must never load. Imports are read with TypeScript's own parser
 * (static imports, re-exports and `import()`), so a comment or a string that looks like an import does not count.
 *
 * `cli/` may reach a server or a provider helper only through the few doors listed in CLI_DOORS, each with its reason;
 * anything else it needs from another folder belongs in `core/`.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { REPO_ROOT } from "../components/code-bundle.ts";

interface Import {
  readonly file: string;
  readonly spec: string;
  /** `import()`: loaded only when that code runs. */
  readonly lazy: boolean;
}

function sources(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(REPO_ROOT, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(ts|mts)$/.test(entry.name) || entry.name.endsWith(".d.ts")) continue;
    const file = path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name));
    if (!file.split(path.sep).includes("node_modules")) out.push(file.split(path.sep).join("/"));
  }
  return out;
}

function importsOf(file: string): Import[] {
  return importsIn(file, readFileSync(path.join(REPO_ROOT, file), "utf8"));
}

function importsIn(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: Import[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push({ file, spec: node.moduleSpecifier.text, lazy: false });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ file, spec: node.arguments[0].text, lazy: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The top folder a relative import lands in, or undefined for a package. */
function targetFolder(imp: Import): string | undefined {
  if (!imp.spec.startsWith(".")) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(imp.file), imp.spec)).split("/")[0];
}

/** Project folders each folder may import from (its own is always allowed). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  components: ["core", "providers"],
  providers: ["core"],
  stacks: ["components", "providers", "core"],
  gateway: ["core"],
  "console-api": ["core"],
  cli: ["core"],
};

/** Packages a folder must never load. */
const FORBIDDEN_PACKAGES: Readonly<Record<string, RegExp>> = {
  core: /^(@pulumi\/|fastify$|@fastify\/)/,
  gateway: /^@pulumi\//,
  "console-api": /^@pulumi\//,
};

/** Where `cli/` reaches outside `core/`, and why. `lazy`: only through `import()`, inside the command that needs it. */
const CLI_DOORS: readonly { readonly spec: RegExp; readonly lazy: boolean; readonly why: string }[] = [
  { spec: /^\.\.\/\.\.\/console-api\/(main|config|demo|serve)\.ts$/, lazy: true, why: "kip console serve|demo run it" },
  { spec: /^\.\.\/\.\.\/gateway\/(main|config)\.ts$/, lazy: true, why: "kip gateway serve runs it" },
  { spec: /^\.\.\/\.\.\/gateway\/config\.ts$/, lazy: false, why: "its option table (no heavy imports) is --help" },
  {
    spec: /^\.\.\/\.\.\/providers\/secret-config\.ts$/,
    lazy: false,
    why: "synth and diff switch the providers' secret placeholders on in the same module instance",
  },
];

describe("folder rules (DESIGN.md §1)", () => {
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${folder}/ imports only from ${[folder, ...allowed].join(", ")}${FORBIDDEN_PACKAGES[folder] ? `, and never ${FORBIDDEN_PACKAGES[folder]}` : ""}`, () => {
      const files = sources(folder);
      assert.ok(files.length > 0, `no sources found in ${folder}/`);
      const broken: string[] = [];
      for (const imp of files.flatMap(importsOf)) {
        const target = targetFolder(imp);
        if (target === undefined) {
          if (FORBIDDEN_PACKAGES[folder]?.test(imp.spec)) broken.push(`${imp.file}: package ${imp.spec}`);
          continue;
        }
        if (target === folder || allowed.includes(target)) continue;
        const spec = imp.spec.replace(/^(\.\.\/)+/, "../../");
        const door = folder === "cli" && CLI_DOORS.find((d) => d.spec.test(spec) && (imp.lazy || !d.lazy));
        if (!door) broken.push(`${imp.file}: ${imp.lazy ? "import()" : "import"} ${imp.spec} (${target}/)`);
      }
      assert.deepEqual(broken, [], `imports across the folder rules:\n${broken.join("\n")}`);
    });
  }

  it("reads every kind of import, and only imports", () => {
    const file = "test/x.ts";
    const text = [
      'import { a } from "../core/a.ts";',
      'export { b } from "../gateway/b.ts";',
      'const c = await import("../cli/c.ts");',
      '// import { d } from "../console-api/d.ts";',
      "const e = \"import x from '../providers/e.ts'\";",
    ].join("\n");
    const found = importsIn(file, text);
    assert.deepEqual(
      found.map((f) => [f.spec, f.lazy]),
      [
        ["../core/a.ts", false],
        ["../gateway/b.ts", false],
        ["../cli/c.ts", true],
      ],
    );
    assert.deepEqual(
      found.map((f) => targetFolder({ ...f, file: "cli/commands/x.ts" })),
      ["cli", "cli", "cli"],
      "relative to the importing file",
    );
    assert.equal(targetFolder({ file: "cli/commands/x.ts", spec: "../../gateway/b.ts", lazy: false }), "gateway");
  });
});
