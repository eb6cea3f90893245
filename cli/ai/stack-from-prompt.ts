/**
 * A plain-language request → a validated stack spec. The model is asked for one JSON object: the stack without its
 * cluster (the hosts come from the flags or the prompts), described by the JSON Schema derived from the same field
 * definitions as the validator (`stackJsonSchema()`). Its answer is data: parsed as JSON, merged with the host and the
 * domain mode the user chose, and validated exactly like a stack file. Validation errors (or an answer that is not
 * JSON) go back to the model for at most two repair rounds; after that the request is refused with the last errors.
 * kip never edits a value the validator refuses: it is the model's to correct, or the request fails.
 */
import { SpecErrors } from "../../core/errors.ts";
import type { StackSpec } from "../../core/spec.ts";
import { stackJsonSchema } from "../../core/stack-schema.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXIT, indent, Refusal } from "../codegen/refusal.ts";
import type { AiProvider, ChatMessage } from "./provider.ts";

export const REPAIR_ROUNDS = 2;

/** The schema the model answers to: the stack's, without `cluster`. */
export function requestSchema(): Record<string, unknown> {
  const schema = structuredClone(stackJsonSchema()) as {
    properties: Record<string, unknown>;
    required?: string[];
  } & Record<string, unknown>;
  delete schema.properties["cluster"];
  schema.required = (schema.required ?? []).filter((k) => k !== "cluster");
  return schema;
}

function systemPrompt(base: StackSpec): string {
  const gateway = base.domain?.gateway;
  return [
    "You write Skipper stacks. Skipper deploys containerised apps and stateful services (postgres, mysql, redis,",
    "mongodb) onto a k3s cluster. Turn the user's request into ONE JSON object and nothing else (no prose, no code",
    "fences). The object must match this JSON Schema:",
    JSON.stringify(requestSchema()),
    "Rules:",
    "- Do not include `cluster`: the machines are configured separately.",
    gateway
      ? `- Apps with a port are published on the gateway domain ${JSON.stringify(gateway)}; do not set domain.gateway.`
      : "- There is no gateway: apps are reached only on custom domains (apps.<name>.domains).",
    "- Use public container images with an explicit version tag (never `latest`); app and service names are DNS labels.",
    "- Apps reach services through `bind` (the service's connection URL is injected, e.g. DATABASE_URL, REDIS_URL).",
    "- Secrets are never values: list their names in `secretEnv`.",
  ].join("\n");
}

/** The JSON object in an answer (a fenced block is tolerated); undefined with the reason when there is none. */
export function extractJson(answer: string): { value?: Record<string, unknown>; problem?: string } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n```\s*$/.exec(answer);
  const text = (fenced ? fenced[1]! : answer).trim();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `it is not JSON (${(err as Error).message})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problem: "it is JSON but not an object" };
  }
  return { value: value as Record<string, unknown> };
}

/** The model's object merged with what the user chose: the cluster, the gateway and the console setting. */
function merge(base: StackSpec, answer: Record<string, unknown>, log: (line: string) => void): StackSpec {
  const { cluster, domain, ...rest } = answer;
  if (cluster !== undefined) log("ignored the model's `cluster`: the hosts come from your answers");
  const answerDomain = typeof domain === "object" && domain !== null && !Array.isArray(domain) ? { ...domain } : domain;
  let mergedDomain: unknown = answerDomain;
  if (typeof answerDomain === "object" && answerDomain !== null) {
    const d = answerDomain as Record<string, unknown>;
    delete d["gateway"];
    mergedDomain = { ...d, ...(base.domain?.gateway !== undefined && { gateway: base.domain.gateway }) };
  } else if (answerDomain === undefined) mergedDomain = base.domain;
  const apps = { ...(rest["apps"] as object | undefined), ...base.apps };
  const services = { ...(rest["services"] as object | undefined), ...base.services };
  return {
    ...rest,
    cluster: base.cluster,
    ...(mergedDomain !== undefined && { domain: mergedDomain }),
    apps,
    services,
    ...(base.console !== undefined && rest["console"] === undefined && { console: base.console }),
  } as unknown as StackSpec;
}

export interface PromptOptions {
  readonly log: (line: string) => void;
  readonly timeoutMs?: number;
}

export async function stackFromPrompt(
  prompt: string,
  base: StackSpec,
  provider: AiProvider,
  opts: PromptOptions,
): Promise<StackSpec> {
  const system = systemPrompt(base);
  const messages: ChatMessage[] = [{ role: "user", content: prompt }];
  let lastProblems = "";
  for (let round = 0; round <= REPAIR_ROUNDS; round++) {
    opts.log(
      round === 0
        ? `asking ${provider.name} model ${provider.model} at ${provider.endpoint}…`
        : `asking for a repair (${round}/${REPAIR_ROUNDS})…`,
    );
    let answer: string;
    const signal = AbortSignal.timeout(opts.timeoutMs ?? 120_000);
    try {
      answer = await provider.complete({ system, messages, signal });
    } catch (err) {
      const why = signal.aborted ? "no answer in time (raise --ai-timeout, or check the endpoint)" : describeError(err);
      throw new Refusal(`the AI provider failed: ${why}`, EXIT.failed);
    }
    messages.push({ role: "assistant", content: answer });
    const parsed = extractJson(answer);
    if (!parsed.value) {
      lastProblems = `the answer was not a JSON object: ${parsed.problem}`;
      opts.log(lastProblems);
      messages.push({
        role: "user",
        content: `Your answer could not be used: ${parsed.problem}. Answer with the JSON object only.`,
      });
      continue;
    }
    const spec = merge(base, parsed.value, opts.log);
    try {
      validateStack(spec);
      return spec;
    } catch (err) {
      if (!(err instanceof SpecErrors)) throw err;
      lastProblems = err.errors.map((e) => e.message).join("\n");
      opts.log(`the model's stack is invalid (${err.errors.length} problem(s))`);
      messages.push({
        role: "user",
        content:
          "That stack is invalid; the validator says:\n" +
          `${lastProblems}\n` +
          "Answer again with the whole corrected JSON object, and nothing else.",
      });
    }
  }
  throw new Refusal(
    `no valid stack from the model after ${REPAIR_ROUNDS} repair rounds; nothing was written. Last problems:\n${indent(lastProblems)}`,
  );
}

/** An SDK error in one line (status and message; SDK errors carry no credentials in their message). */
function describeError(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    const timeout =
      err.name === "TimeoutError" || /timed? ?out/i.test(err.message) || err.name === "APIConnectionTimeoutError";
    if (timeout) return "no answer in time (raise --ai-timeout, or check the endpoint)";
    return `${status ? `HTTP ${status}: ` : ""}${err.message.split("\n")[0]}`;
  }
  return String(err);
}
