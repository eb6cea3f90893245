/**
 * `AiProvider` over the OpenAI chat-completions API through the `openai` SDK: api.openai.com, or any compatible
 * endpoint given as the base URL (Ollama's `http://127.0.0.1:11434/v1`, vLLM, LM Studio, …). JSON mode is requested,
 * which compatible servers either honour or ignore; the answer is checked by the caller either way.
 */
import OpenAI from "openai";
import type { AiProvider, AiSettings, CompletionRequest } from "./provider.ts";

export function openAiProvider(settings: AiSettings): AiProvider {
  const client = new OpenAI({
    // Local servers need no key, but the SDK insists on one.
    apiKey: settings.apiKey ?? "not-needed",
    ...(settings.baseUrl !== undefined && { baseURL: settings.baseUrl }),
    timeout: settings.timeoutMs,
    maxRetries: 0,
  });
  return {
    name: "openai",
    model: settings.model,
    endpoint: settings.baseUrl ?? "https://api.openai.com/v1",
    async complete(request: CompletionRequest): Promise<string> {
      const response = await client.chat.completions.create(
        {
          model: settings.model,
          response_format: { type: "json_object" },
          messages: [{ role: "system", content: request.system }, ...request.messages],
        },
        { signal: request.signal },
      );
      return response.choices[0]?.message?.content ?? "";
    },
  };
}
