/**
 * Listen, say one line when ready, and drain on SIGTERM/SIGINT: stop accepting, close live-log sockets, let
 * in-flight requests finish (up to `drainMs`), then resolve `stopped`. Shared by console-api/main.ts and `kip console`.
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";

export interface Serving {
  readonly url: string;
  readonly port: number;
  /** Resolves once the server has drained after a stop signal (or `stop()`). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  /** The line printed when ready gets the URL appended. */
  readonly readyLine: (url: string) => string;
  readonly say?: (line: string) => void;
  /** @default 10000 */
  readonly drainMs?: number;
  /** Called after the app closed (e.g. to stop an in-memory Kubernetes API). */
  readonly onStopped?: () => Promise<void>;
}

export async function serveConsole(app: FastifyInstance, options: ServeOptions): Promise<Serving> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost === "0.0.0.0" || shownHost === "[::]" ? "127.0.0.1" : shownHost}:${address.port}`;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const deadline = setTimeout(() => app.server.closeAllConnections(), options.drainMs ?? 10_000);
      deadline.unref();
      await app.close();
      clearTimeout(deadline);
      await options.onStopped?.();
      say("skipper console stopped");
      resolveStopped();
    })();
    return stopping;
  };
  const onSignal = () => void stop();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  void stopped.then(() => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  });
  say(options.readyLine(url));
  return { url, port: address.port, stopped, stop };
}
