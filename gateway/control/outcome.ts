/**
 * What a control-plane operation answers: a status, a JSON body and extra headers. Plain data, so an operation can
 * run in the primary process and its answer travel back to a worker over IPC.
 */
export interface Outcome {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Who is calling, as the HTTP layer found out. */
export interface Caller {
  /** The client's address (see client-address.ts). */
  readonly address: string;
  /** The raw Authorization header, if any. */
  readonly authorization?: string;
}

export function fail(status: number, error: string, headers?: Record<string, string>): Outcome {
  return headers ? { status, body: { error }, headers } : { status, body: { error } };
}

/** The control-plane operations, as the HTTP routes call them (locally, or through the primary process). */
export interface ControlOperations {
  register(body: unknown, caller: Caller): Promise<Outcome>;
  move(id: string, body: unknown, caller: Caller): Promise<Outcome>;
  heartbeat(id: string, caller: Caller): Promise<Outcome>;
  remove(id: string, caller: Caller): Promise<Outcome>;
  show(id: string, caller: Caller): Promise<Outcome>;
}
