// The one place the console makes HTTP requests: same origin, JSON in and out, the access token as a Bearer header
// (never a cookie, never the URL), one silent refresh and retry when the token has expired.

export class ApiError extends Error {
  readonly status: number;
  /** Seconds to wait, from a 429's Retry-After header. */
  readonly retryAfter?: number;

  constructor(status: number, message: string, retryAfter?: number) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

export interface TokenSource {
  /** The current access token, or null when signed out. */
  token(): string | null;
  /** Get a new access token through the refresh cookie; resolves false when the session is gone. */
  refresh(): Promise<boolean>;
  /** Called when the session cannot be renewed (the console goes back to the login page). */
  expired(): void;
}

let tokens: TokenSource | null = null;

export function useTokenSource(source: TokenSource | null): void {
  tokens = source;
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

const statusMessages: Record<number, string> = {
  400: "The request was not accepted.",
  401: "Your session has ended. Sign in again.",
  403: "Your role does not allow this. Ask an admin.",
  404: "Not found. It may have been removed, or it belongs to a project you are not a member of.",
  409: "Someone else changed this at the same time. Reload and try again.",
  413: "The request is too large.",
  429: "Too many requests. Wait a moment and try again.",
  500: "The console-api failed. Its log has the details.",
  502: "The console-api cannot reach the cluster right now. Try again shortly.",
  503: "The console-api is not ready. Try again shortly.",
};

async function errorFrom(response: Response): Promise<ApiError> {
  let message = "";
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") message = body.error;
    else if (typeof body.message === "string") message = body.message;
  } catch {
    // Not JSON (a proxy's error page): fall back to the status text.
  }
  if (!message) message = statusMessages[response.status] ?? `Request failed (HTTP ${response.status}).`;
  return new ApiError(response.status, message, parseRetryAfter(response.headers.get("retry-after")));
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  /** Send no Authorization header (login, refresh). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  const token = options.anonymous ? null : (tokens?.token() ?? null);
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  try {
    return await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "The console-api cannot be reached. Check your connection; the page retries when you act.");
  }
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(path, options);
  if (response.status === 401 && !options.anonymous && tokens) {
    if (await tokens.refresh()) {
      response = await send(path, options);
    }
    if (response.status === 401) tokens.expired();
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
