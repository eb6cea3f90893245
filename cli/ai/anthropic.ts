/**
 * `AiProvider` over Anthropic's messages API through `@anthropic-ai/sdk` (base URL overridable, e.g. for a proxy).
 */
import Anthropic from "@anthropic-ai/sdk";
import type { AiProvider, AiSettings, CompletionRequest } from "./provider.ts";

/** Room for a stack of a dozen apps and services. */
const MAX_TOKENS = 4096;

export function anthropicProvider(settings: AiSettings): AiProvider {
  const client = new Anthropic({
    apiKey: settings.apiKey ?? null,
    ...(settings.baseUrl !== undefined && { baseURL: settings.baseUrl }),
    timeout: settings.timeoutMs,
    maxRetries: 0,
  });
  return {
    name: "anthropic",
    model: settings.model,
    endpoint: settings.baseUrl ?? "https://api.anthropic.com",
    async complete(request: CompletionRequest): Promise<string> {
      const message = await client.messages.create(
        {
          model: settings.model,
          max_tokens: MAX_TOKENS,
          system: request.system,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        },
        { signal: request.signal },
      );
      return message.content
        .filter((b) => b.type === "text")
        .map((b) => (b as { text: string }).text)
        .join("");
    },
  };
}
