/**
 * What `kip init --prompt` needs from a language model: one call that takes a system prompt and a conversation and
 * returns the model's text. A provider is one file implementing `AiProvider` (`openai.ts`: any OpenAI-compatible
 * chat-completions endpoint, local ones included; `anthropic.ts`: Anthropic's messages API) plus one line in
 * `config.ts`. The API key lives only inside the provider's SDK client; it is never part of a message or a log line.
 */

export interface ChatMessage {
  readonly role: "user" | "assistant";
  readonly content: string;
}

export interface CompletionRequest {
  readonly system: string;
  readonly messages: readonly ChatMessage[];
  /** Aborts the request (the caller's timeout). */
  readonly signal: AbortSignal;
}

export interface AiProvider {
  /** `openai` or `anthropic` (shown in progress lines). */
  readonly name: string;
  readonly model: string;
  /** Where requests go (shown in progress lines; never holds credentials). */
  readonly endpoint: string;
  /** The model's answer text. Throws on transport, HTTP or timeout errors. */
  complete(request: CompletionRequest): Promise<string>;
}

/** Settings a provider is built from (flags over environment). */
export interface AiSettings {
  readonly model: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
}
