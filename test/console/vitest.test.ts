// The web console's own unit and component tests (Vitest, in console/) run as part of the root test command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const CONSOLE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "console");
const VITEST = join(CONSOLE, "node_modules", "vitest", "vitest.mjs");

test("console/: Vitest unit and component tests pass", { timeout: 300_000 }, () => {
  assert.ok(
    existsSync(VITEST),
    `the web console's dependencies are not installed (${VITEST} is missing): run \`npm ci --prefix console\``,
  );
  const run = spawnSync(process.execPath, [VITEST, "run", "--reporter=dot"], {
    cwd: CONSOLE,
    encoding: "utf8",
    env: { ...process.env, CI: "1", NO_COLOR: "1" },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  const summary = output.match(/Tests\s+(\d+) passed/);
  console.log(
    output
      .split("\n")
      .filter((line) => /Test Files|Tests |seed/.test(line))
      .join("\n"),
  );
  assert.equal(run.status, 0, `vitest failed:\n${output}`);
  assert.ok(summary && Number(summary[1]) > 0, "vitest ran no tests");
});
