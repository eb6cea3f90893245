// @vitest-environment node
import { afterEach, describe, expect, test, vi } from "vitest";
import { ApiError, parseRetryAfter, request, useTokenSource } from "../src/api/http";

type Handler = (url: string, init: RequestInit) => Response;

function stubFetch(handler: Handler) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return handler(url, init);
  });
  return calls;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

afterEach(() => {
  vi.unstubAllGlobals();
  useTokenSource(null);
});

describe("request", () => {
  test("sends the token as a Bearer header and JSON bodies", async () => {
    useTokenSource({ token: () => "abc", refresh: async () => true, expired: () => {} });
    const calls = stubFetch(() => json(200, { ok: true }));
    expect(await request("/api/v1/x", { method: "PUT", body: { replicas: 2 } })).toEqual({ ok: true });
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers.authorization).toBe("Bearer abc");
    expect(headers["content-type"]).toBe("application/json");
    expect(calls[0]!.init.body).toBe('{"replicas":2}');
  });

  test("anonymous requests carry no Authorization header", async () => {
    useTokenSource({ token: () => "abc", refresh: async () => true, expired: () => {} });
    const calls = stubFetch(() => json(200, {}));
    await request("/api/v1/auth/login", { method: "POST", body: {}, anonymous: true });
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  test("a 401 renews the token once and retries with the new one", async () => {
    let token = "old";
    const refresh = vi.fn(async () => {
      token = "new";
      return true;
    });
    useTokenSource({ token: () => token, refresh, expired: () => {} });
    const calls = stubFetch((_url, init) =>
      (init.headers as Record<string, string>).authorization === "Bearer new"
        ? json(200, { n: 1 })
        : json(401, { error: "expired" }),
    );
    expect(await request("/api/v1/me")).toEqual({ n: 1 });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(2);
  });

  test("when renewal fails the session is reported expired and the 401 surfaces", async () => {
    const expired = vi.fn();
    useTokenSource({ token: () => "old", refresh: async () => false, expired });
    stubFetch(() => json(401, { error: "token expired" }));
    await expect(request("/api/v1/me")).rejects.toMatchObject({ status: 401, message: "token expired" });
    expect(expired).toHaveBeenCalledTimes(1);
  });

  test("errors carry the API's message, or a status message that says what to do", async () => {
    stubFetch(() => json(403, { error: "viewers cannot scale" }));
    await expect(request("/api/v1/x")).rejects.toMatchObject({ status: 403, message: "viewers cannot scale" });
    stubFetch(() => new Response("<html>bad gateway</html>", { status: 502 }));
    await expect(request("/api/v1/x")).rejects.toMatchObject({ status: 502, message: /cannot reach the cluster/ });
  });

  test("a 429 carries Retry-After in seconds", async () => {
    stubFetch(() => json(429, { error: "too many attempts" }, { "retry-after": "42" }));
    const error = (await request("/api/v1/auth/login", { anonymous: true }).catch((e) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.retryAfter).toBe(42);
  });

  test("a network failure is an ApiError with status 0 and a readable message", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(request("/api/v1/x")).rejects.toMatchObject({ status: 0, message: /cannot be reached/ });
  });
});

describe("parseRetryAfter", () => {
  test("seconds, HTTP dates and garbage", () => {
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter("1.2")).toBe(2);
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(parseRetryAfter("Wed, 02 Dec 2026 12:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
