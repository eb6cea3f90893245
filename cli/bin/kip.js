#!/usr/bin/env node
// Entry point of `kip`. TypeScript sources run through tsx's loader, so a checkout works without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../main.ts");
process.exitCode = await main(process.argv);
