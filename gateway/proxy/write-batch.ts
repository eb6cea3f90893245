/**
 * Write batching per event-loop turn: sockets written to while handling one turn's events are corked and flushed
 * together right after the poll phase (setImmediate). The system calls then come back to back instead of being spread
 * over the turn, so a peer woken by the first write is usually still awake for the next: on loopback and in VMs a
 * wake-up of a sleeping peer is a large part of a write's cost. The delay is at most one turn.
 *
 * Node uncorks a response's socket when the response ends, so finished responses are ended here too (endAfterTurn)
 * rather than as soon as their last byte arrives from the upstream.
 */
const kBatched = Symbol("skipper.batched");

/** A socket, or any stream that can be corked. */
export interface Corkable {
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
}
type Batchable = Corkable & { [kBatched]?: boolean };

const pending: Batchable[] = [];
let scheduled = false;

/** Responses to finish at the end of the turn (Node uncorks a response's socket on end(), so ending is deferred). */
interface Endable {
  end(chunk?: Buffer): unknown;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}
const endings: Endable[] = [];
const endChunks: (Buffer | undefined)[] = [];

function schedule(): void {
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

function flush(): void {
  scheduled = false;
  for (let i = 0; i < endings.length; i++) {
    const res = endings[i]!;
    const chunk = endChunks[i];
    if (!res.destroyed && !res.writableEnded) {
      if (chunk) res.end(chunk);
      else res.end();
    }
  }
  endings.length = 0;
  endChunks.length = 0;
  for (let i = 0; i < pending.length; i++) {
    const socket = pending[i]!;
    socket[kBatched] = false;
    if (!socket.destroyed) socket.uncork();
  }
  pending.length = 0;
}

/** Cork `socket` until the end of this event-loop turn (once per turn, however often it is called). */
export function batchWrites(socket: Corkable | null | undefined): void {
  const s = socket as Batchable | null | undefined;
  if (!s || s[kBatched] || s.destroyed) return;
  s[kBatched] = true;
  s.cork();
  pending.push(s);
  schedule();
}

/** End `res` (with a last chunk) at the end of this event-loop turn, together with the turn's other writes. */
export function endAfterTurn(res: Endable, chunk: Buffer | undefined): void {
  endings.push(res);
  endChunks.push(chunk);
  schedule();
}
