/**
 * The gateway's half of proof of address by challenge (see core/gateway-proof.ts for the protocol): ask the claimed
 * address for a signature over a fresh nonce and check it against the registrant's `proofKey`.
 *
 * Every challenge is an outbound request that a stranger's registration makes the gateway send, so it is kept small
 * and dull: plain HTTP to an IP literal (no DNS), the fixed path and method, no body, no redirects followed, one
 * deadline for connect plus answer, at most `PROOF_MAX_ANSWER_BYTES` read, and a cap on challenges in flight per
 * process (over it the caller gets 503 + Retry-After). Which addresses may be challenged at all is the rules' call
 * (public ones only unless --allow-private). Results are counted by outcome for /metrics; nonces, answers and tokens
 * are never logged.
 */
import { request } from "node:http";
import { isIP } from "node:net";
import {
  newNonce,
  PROOF_MAX_ANSWER_BYTES,
  PROOF_MESSAGE_VERSION,
  proofTarget,
  verifyProof,
} from "../../core/gateway-proof.ts";

/** How a challenge ended (the label of its counter). */
export type ProofResult =
  | "passed"
  | "unreachable"
  | "timeout"
  | "redirect"
  | "status"
  | "too-large"
  | "bad-signature"
  | "busy";

export const PROOF_RESULTS: readonly ProofResult[] = [
  "passed",
  "unreachable",
  "timeout",
  "redirect",
  "status",
  "too-large",
  "bad-signature",
  "busy",
];

export interface ProofChallengeOptions {
  /** Connect plus the whole answer. @default 5000 */
  readonly timeoutMs?: number;
  /** Challenges this process runs at once; more are refused as busy. @default 32 */
  readonly maxInFlight?: number;
}

export interface Challenge {
  readonly clusterId: string;
  readonly ip: string;
  readonly port: number;
  /** The cluster's own host name, sent as Host (Traefik routes the proof path on it). */
  readonly host: string;
  readonly proofKey: string;
}

export interface ProofOutcome {
  readonly result: ProofResult;
  /** What happened, for the registrant (never the nonce or the answer). */
  readonly detail: string;
}

export const DEFAULT_PROOF_TIMEOUT_MS = 5000;
export const DEFAULT_PROOF_MAX_IN_FLIGHT = 32;

export class ProofChallenger {
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  /** Challenges by result, for /metrics. */
  readonly counts: Record<ProofResult, number> = Object.fromEntries(PROOF_RESULTS.map((r) => [r, 0])) as Record<
    ProofResult,
    number
  >;
  private running = 0;

  constructor(opts: ProofChallengeOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_PROOF_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_PROOF_MAX_IN_FLIGHT;
  }

  /** Challenges running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Run one challenge; resolves (never rejects) with how it ended. */
  async prove(c: Challenge): Promise<ProofOutcome> {
    if (this.running >= this.maxInFlight) return this.count({ result: "busy", detail: "too many challenges at once" });
    this.running++;
    try {
      return this.count(await this.ask(c));
    } finally {
      this.running--;
    }
  }

  private count(o: ProofOutcome): ProofOutcome {
    this.counts[o.result]++;
    return o;
  }

  private ask(c: Challenge): Promise<ProofOutcome> {
    const nonce = newNonce();
    const limit = PROOF_MAX_ANSWER_BYTES;
    return new Promise((resolve) => {
      let settled = false;
      const done = (o: ProofOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(o);
      };
      const req = request({
        host: c.ip,
        family: isIP(c.ip),
        port: c.port,
        method: "GET",
        path: proofTarget(c.clusterId, nonce),
        headers: { host: c.host, "user-agent": PROOF_MESSAGE_VERSION, accept: "text/plain", connection: "close" },
        agent: false,
        insecureHTTPParser: false,
        maxHeaderSize: 8192,
      });
      const timer = setTimeout(
        () => done({ result: "timeout", detail: `no complete answer within ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
      req.on("error", (err: NodeJS.ErrnoException) =>
        done({ result: "unreachable", detail: `cannot connect (${err.code ?? err.message})` }),
      );
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          return done({ result: "redirect", detail: `answered HTTP ${status} (a redirect, which is not followed)` });
        }
        if (status !== 200) return done({ result: "status", detail: `answered HTTP ${status}, not 200` });
        const declared = Number(res.headers["content-length"]);
        if (declared > limit) return done({ result: "too-large", detail: `answered more than ${limit} bytes` });
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) return done({ result: "too-large", detail: `answered more than ${limit} bytes` });
          chunks.push(chunk);
        });
        res.on("error", () => done({ result: "unreachable", detail: "the answer was cut off" }));
        res.on("end", () => {
          const answer = Buffer.concat(chunks).toString("utf8").trim();
          done(
            verifyProof(c.proofKey, c.clusterId, nonce, answer)
              ? { result: "passed", detail: "signed by proofKey" }
              : {
                  result: "bad-signature",
                  detail: "answered 200, but not with a signature of the challenge by proofKey",
                },
          );
        });
      });
      req.end();
    });
  }
}
