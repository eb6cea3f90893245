/**
 * Test helpers for proof of address by challenge: seeded Ed25519 keys, the real responder (gateway/proof) listening on
 * a loopback address, and small hand-made servers that misbehave in one way each.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { rawPublicKey, signingKeyPem } from "../../core/ed25519-key.ts";
import { createResponder } from "../../gateway/proof/responder.ts";
import type { SeededRandom } from "./seeded-random.ts";

export interface TestKey {
  readonly pem: string;
  readonly privateKey: KeyObject;
  /** The raw public key, base64url: what a registration sends as `proofKey`. */
  readonly proofKey: string;
}

/** An Ed25519 key derived from 48 seeded characters (the way the stack derives it from a RandomPassword). */
export function seededKey(rng: SeededRandom): TestKey {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let secret = "";
  for (let i = 0; i < 48; i++) secret += alphabet[rng.below(alphabet.length)];
  const pem = signingKeyPem(secret);
  return { pem, privateKey: createPrivateKey(pem), proofKey: rawPublicKey(pem) };
}

export interface Listening {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Requests seen so far: method, target and Host. */
  readonly seen: { method: string; url: string; host: string }[];
  close(): Promise<void>;
}

/** Listen on `host` (a loopback address), recording every request; open sockets are destroyed on close. */
export async function listen(server: Server, host = "127.0.0.2"): Promise<Listening> {
  const seen: Listening["seen"] = [];
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  server.prependListener("request", (req: IncomingMessage) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", host: req.headers.host ?? "" });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    host,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The real responder for `clusterId` with `key`, on 127.0.0.2. */
export function startResponder(clusterId: string, key: TestKey, host = "127.0.0.2"): Promise<Listening> {
  return listen(createResponder({ clusterId, privateKey: key.privateKey }), host);
}

/** A server answering every request with `handler`. */
export function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host = "127.0.0.2",
): Promise<Listening> {
  return listen(createServer(handler), host);
}

/** A port on `host` that nothing listens on (bound, then closed). */
export async function closedPort(host = "127.0.0.2"): Promise<number> {
  const l = await listen(createServer(), host);
  await l.close();
  return l.port;
}
