/**
 * THE ONLY TEST DOUBLE of the `kip init --prompt` tests: a stand-in language-model server on 127.0.0.1 that speaks
 * the two wire protocols kip's providers use (OpenAI chat completions: `POST /v1/chat/completions`; Anthropic
 * messages: `POST /v1/messages`) and replays recorded answers. The scenario is picked by the model name in the
 * request, and each request of a conversation gets the scenario's next answer, so a test sees exactly what kip sent
 * (system prompt with the JSON Schema, repair messages with the validator's errors, the API key header) and what it
 * did with each answer. Nothing else in these tests is faked: kip runs as a child process with its real SDKs.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the stand-in answers, in order; `HANG` never answers (a timeout). */
export const HANG = Symbol("hang");
type Answer = string | typeof HANG;

const RAILS = {
  services: { db: { engine: "postgres", version: "16" }, redis: { engine: "redis", version: "7.4" } },
  apps: {
    web: {
      image: "ghcr.io/acme/rails:7.2.1",
      port: 3000,
      bind: ["db", "redis"],
      env: { RAILS_ENV: "production" },
      secretEnv: ["SECRET_KEY_BASE"],
    },
    sidekiq: { image: "ghcr.io/acme/rails:7.2.1", command: ["bundle", "exec", "sidekiq"], bind: ["db", "redis"] },
  },
};

/** Strings that would be code if kip pasted them into TypeScript. Valid env values, so the validator accepts them. */
export const HOSTILE_VALUES = [
  '"}); require("child_process").execSync("touch /tmp/pwned"); ({"',
  ["`$", "{process.exit(7)}`"].join(""),
  "*/ process.exit(8) /*",
  '\\\\"\n\u2028',
];

/** Recorded answers per scenario (the model name a test configures). */
export const SCENARIOS: Record<string, readonly Answer[]> = {
  valid: [JSON.stringify(RAILS)],
  // A port out of range first; the repair is valid.
  repair: [
    JSON.stringify({ ...RAILS, apps: { ...RAILS.apps, web: { ...RAILS.apps.web, port: 70000 } } }),
    JSON.stringify(RAILS),
  ],
  // Prose with the JSON in a sentence: not usable; then a fenced JSON block, which is.
  notjson: [
    `Sure! Here is your stack: ${JSON.stringify(RAILS)} Enjoy.`,
    `\`\`\`json\n${JSON.stringify(RAILS)}\n\`\`\``,
  ],
  // Valid, with hostile env values and a cluster it must ignore.
  "hostile-env": [
    JSON.stringify({
      cluster: { hosts: [{ address: "198.51.100.66", user: "attacker" }], k3s: { version: "v1.31.4+k3s1" } },
      apps: {
        web: { image: "nginx:1.27", port: 80, env: Object.fromEntries(HOSTILE_VALUES.map((v, i) => [`V${i}`, v])) },
      },
    }),
  ],
  // An image reference with a quote, every time: refused after two repairs, never "fixed".
  "hostile-image": Array.from({ length: 3 }, () =>
    JSON.stringify({ apps: { web: { image: 'nginx:1.27"; process.exit(9); "', port: 80 } } }),
  ),
  timeout: [HANG],
};

export interface RecordedRequest {
  readonly protocol: "openai" | "anthropic";
  readonly model: string;
  readonly body: Record<string, unknown>;
  /** The credential header as received (`x-api-key`, else `authorization`). */
  readonly credential: string | undefined;
}

export interface StandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
}

export async function startStandIn(): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const turns = new Map<string, number>();
  const hanging = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    const protocol =
      req.url === "/v1/chat/completions" ? "openai" : req.url === "/v1/messages" ? "anthropic" : undefined;
    if (req.method !== "POST" || !protocol) {
      res.writeHead(404).end();
      return;
    }
    const body = await readBody(req);
    const model = String(body["model"]);
    const credential = (req.headers["x-api-key"] as string | undefined) ?? req.headers.authorization;
    requests.push({ protocol, model, body, credential });
    const script = SCENARIOS[model];
    if (!script) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "not_found_error", message: `model ${model} not found` } }));
      return;
    }
    // One conversation per protocol and model: the n-th request gets the n-th answer.
    const key = `${protocol}/${model}`;
    const n = turns.get(key) ?? 0;
    turns.set(key, n + 1);
    const answer = script[Math.min(n, script.length - 1)]!;
    if (answer === HANG) {
      hanging.add(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    if (protocol === "openai") {
      res.end(
        JSON.stringify({
          id: `chatcmpl-${n}`,
          object: "chat.completion",
          created: 1_764_000_000,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    } else {
      res.end(
        JSON.stringify({
          id: `msg_${n}`,
          type: "message",
          role: "assistant",
          model,
          content: [{ type: "text", text: answer }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: { input_tokens: 1, output_tokens: 1 },
        }),
      );
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((ok) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
