/**
 * A command refusing what it was asked (a duplicate name, a value the validator rejects, a file whose shape `kip`
 * does not understand): printed as `kip <command>: <message>` with no stack trace, and the exit code says which kind.
 * Nothing has been written when one is thrown.
 */
import { SpecError, SpecErrors } from "../../core/errors.ts";

/** Exit codes shared by `kip init`, `kip app` and `kip service` (listed in their `--help`). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Failed (I/O, an AI provider that could not be reached or kept answering wrong, …). */
  failed: 1,
  /** Refused: an invalid or duplicate value, a missing flag, a non-empty folder. Nothing written. */
  refused: 2,
  /** The stack file has a shape kip cannot edit safely; the snippet to paste by hand was printed. Nothing written. */
  shape: 3,
} as const;

export const EXIT_CODES_HELP =
  "Exit codes: 0 done, 1 failed, 2 refused (invalid or duplicate value, missing flag, non-empty folder), " +
  "3 stack file shape not understood (a snippet to paste by hand is printed). Nothing is written unless the exit code is 0.";

export class Refusal extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.refused) {
    super(message);
    this.name = "Refusal";
    this.exitCode = exitCode;
  }
}

/** Run a command's body; a `Refusal` or a spec error is printed and becomes the exit code, anything else propagates. */
export async function refusable(command: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof Refusal) {
      process.stderr.write(`kip ${command}: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof SpecError || err instanceof SpecErrors) {
      process.stderr.write(`kip ${command}: refused, the stack would be invalid:\n${indent(err.message)}\n`);
      process.exitCode = EXIT.refused;
      return;
    }
    throw err;
  }
}

export function indent(text: string, by = "  "): string {
  return text
    .split("\n")
    .map((l) => by + l)
    .join("\n");
}
