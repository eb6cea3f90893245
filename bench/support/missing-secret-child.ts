/**
 * Child of bench/missing-secret-error.ts: evaluate the example stack with no config (so the SSH key secret is
 * missing) and print the error's stack as Pulumi's Node host prints an uncaught program error. The parent times it.
 */
import { evaluateStackFile } from "../../test/support/pulumi-mocks.ts";

try {
  await evaluateStackFile("stacks/skipper.ts", { config: {} });
  process.stderr.write("no error: the stack ran without its SSH key\n");
  process.exitCode = 3;
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
}
