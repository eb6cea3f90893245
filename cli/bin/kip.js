#!/usr/bin/env node
// Entry point of `kip`. In a checkout the TypeScript sources run through tsx's loader, so no build step is needed;
// the published package ships the compiled `dist/` instead (no `cli/main.ts` next to this file), which starts faster.
import { existsSync } from "node:fs";
import { enableCompileCache } from "node:module";

// V8's code cache on disk (under the OS temp folder): from the second run on, loading big modules such as ts-morph's
// TypeScript or Pulumi skips most of the compiling that otherwise dominates a short command.
enableCompileCache?.();

const source = new URL("../main.ts", import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(new URL("../../dist/cli/main.js", import.meta.url).href));
}
process.exitCode = await main(process.argv);
