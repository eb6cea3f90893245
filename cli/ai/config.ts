/**
 * Which AI provider `kip init --prompt` uses: flags (`--ai-provider`, `--ai-model`, `--ai-base-url`) over the
 * environment (`KIP_AI_PROVIDER`, `KIP_AI_MODEL`, `KIP_AI_BASE_URL`); the API key only from `KIP_AI_API_KEY` (a flag
 * would show in `ps` and shell history). Without a provider the refusal explains how to configure one. The SDK of
 * the chosen provider is loaded here, not before.
 */
import { Refusal } from "../codegen/refusal.ts";
import type { AiProvider, AiSettings } from "./provider.ts";

export interface AiFlags {
  readonly aiProvider?: string;
  readonly aiModel?: string;
  readonly aiBaseUrl?: string;
  readonly aiTimeout?: string;
}

/** Provider name → how to build it. A third provider is one file and one line here. */
const PROVIDERS: Record<string, { defaultModel: string; load: () => Promise<(s: AiSettings) => AiProvider> }> = {
  openai: { defaultModel: "gpt-4o-mini", load: async () => (await import("./openai.ts")).openAiProvider },
  anthropic: {
    defaultModel: "claude-sonnet-4-5",
    load: async () => (await import("./anthropic.ts")).anthropicProvider,
  },
};

export const AI_SETUP_HELP = `Configure an AI provider, for example:
  OpenAI:     export KIP_AI_PROVIDER=openai KIP_AI_API_KEY=sk-…            (KIP_AI_MODEL defaults to ${PROVIDERS["openai"]!.defaultModel})
  Anthropic:  export KIP_AI_PROVIDER=anthropic KIP_AI_API_KEY=sk-ant-…     (KIP_AI_MODEL defaults to ${PROVIDERS["anthropic"]!.defaultModel})
  Ollama:     export KIP_AI_PROVIDER=openai KIP_AI_BASE_URL=http://127.0.0.1:11434/v1 KIP_AI_MODEL=llama3.1
Flags --ai-provider, --ai-model and --ai-base-url override the environment; the key is read from KIP_AI_API_KEY only.`;

export async function providerFromConfig(flags: AiFlags, env: NodeJS.ProcessEnv = process.env): Promise<AiProvider> {
  const name = flags.aiProvider ?? env["KIP_AI_PROVIDER"];
  if (!name) throw new Refusal(`--prompt needs an AI provider, and none is configured.\n${AI_SETUP_HELP}`);
  const entry = PROVIDERS[name];
  if (!entry) {
    throw new Refusal(`unknown AI provider '${name}': use ${Object.keys(PROVIDERS).join(" or ")}.\n${AI_SETUP_HELP}`);
  }
  const baseUrl = flags.aiBaseUrl ?? env["KIP_AI_BASE_URL"];
  const apiKey = env["KIP_AI_API_KEY"];
  if (!apiKey && !baseUrl) {
    throw new Refusal(
      `the ${name} provider needs an API key in KIP_AI_API_KEY (or a local endpoint in KIP_AI_BASE_URL).\n${AI_SETUP_HELP}`,
    );
  }
  if (baseUrl !== undefined && !/^https?:\/\//.test(baseUrl)) {
    throw new Refusal(`KIP_AI_BASE_URL / --ai-base-url must be an http(s) URL (got ${JSON.stringify(baseUrl)})`);
  }
  const seconds = Number(flags.aiTimeout ?? "60");
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Refusal(`--ai-timeout must be a number of seconds (got ${flags.aiTimeout})`);
  const build = await entry.load();
  return build({
    model: flags.aiModel ?? env["KIP_AI_MODEL"] ?? entry.defaultModel,
    ...(baseUrl !== undefined && { baseUrl }),
    ...(apiKey !== undefined && apiKey !== "" && { apiKey }),
    timeoutMs: seconds * 1000,
  });
}
