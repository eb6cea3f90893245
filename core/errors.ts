/**
 * An error in what the user wrote: it names the field (a dotted path such as `apps.web.port`), the rule that was
 * broken and, when known, the file. Every validation in `core/` throws this, so the CLI can print it as one line and
 * exit non-zero without a stack trace.
 */
export class SpecError extends Error {
  /** Dotted path of the offending field, e.g. `apps.web.port`. */
  readonly field: string;
  /** The rule, in words a person can act on, e.g. `must be between 1 and 65535`. */
  readonly rule: string;
  /** The file the spec came from, when known (set by whoever loaded it). */
  file?: string;

  constructor(field: string, rule: string, got?: unknown) {
    super(SpecError.format(field, rule, got));
    this.name = "SpecError";
    this.field = field;
    this.rule = rule;
  }

  /** Attach the source file and rewrite the message so it starts with it. */
  inFile(file: string): this {
    this.file = file;
    this.message = `${file}: ${this.message}`;
    return this;
  }

  private static format(field: string, rule: string, got: unknown): string {
    const shown = got === undefined ? "" : ` (got ${JSON.stringify(got)})`;
    return `${field}: ${rule}${shown}`;
  }
}

/** Several spec errors found in one pass; the message lists them all, one per line. */
export class SpecErrors extends Error {
  readonly errors: readonly SpecError[];
  constructor(errors: readonly SpecError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "SpecErrors";
    this.errors = errors;
  }
}
