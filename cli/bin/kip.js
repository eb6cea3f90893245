#!/usr/bin/env node
// Entry point of `kip`. In a checkout the TypeScript sources run through tsx's loader, so no build step is needed;
// the published package ships the compiled `dist/` instead (no `cli/main.ts` next to this file), which starts faster.
import { existsSync } from "node:fs";

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
