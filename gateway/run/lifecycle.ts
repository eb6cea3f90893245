/** What every gateway process shares about its life: its printed lines and how it stops on a signal. */
import type { GatewayConfig } from "../config.ts";
import type { Registry } from "../registry/registry.ts";

export const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
export const warn = (line: string): void => {
  process.stderr.write(`skipper gateway: ${line}\n`);
};

/** Run `stop` once on SIGTERM or SIGINT, then exit (0 when it succeeded). */
export function onStopSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        warn(`stopping after ${signal} failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
}

/** The one line that says the gateway is serving (tests and operators wait for it). */
export function readyLine(config: GatewayConfig, port: number, registry: Registry, workers: number): string {
  return (
    `skipper gateway ready: http://${config.host}:${port} base=${config.baseDomain} ` +
    `registrations=${registry.size} loaded_ms=${registry.report.millis.toFixed(0)} data=${config.dataPath} workers=${workers}`
  );
}
