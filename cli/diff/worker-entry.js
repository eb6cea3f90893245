// Entry of a `kip diff` worker thread: TypeScript through tsx (as in cli/bin/kip.js), then the worker proper.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
