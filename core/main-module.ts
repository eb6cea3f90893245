/**
 * Is this module the program being run (`node file`), not one imported by another? For entries that start themselves
 * when run (the bundled gateway, the proof responder) but only export when `kip` or a test imports them.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** `moduleUrl` is the caller's `import.meta.url`. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
