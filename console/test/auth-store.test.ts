import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { refreshDelaySeconds, useAuth } from "../src/stores/auth";

const session = (token: string, expiresIn = 900) => ({
  accessToken: token,
  expiresIn,
  user: { email: "ada@example.com", role: "deployer" },
});

function stubFetch(handler: (url: string) => Response) {
  const calls: string[] = [];
  vi.stubGlobal("fetch", async (url: string) => {
    calls.push(url);
    return handler(url);
  });
  return calls;
}

beforeEach(() => {
  setActivePinia(createPinia());
  localStorage.clear();
  sessionStorage.clear();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("auth store", () => {
  test("refreshDelaySeconds renews well before expiry and never in a tight loop", () => {
    expect(refreshDelaySeconds(900)).toBe(720);
    expect(refreshDelaySeconds(60)).toBe(30);
    expect(refreshDelaySeconds(10)).toBe(5);
    expect(refreshDelaySeconds(1)).toBe(5);
  });

  test("login keeps the token in memory only: not in localStorage, sessionStorage or a readable cookie", async () => {
    stubFetch(() => new Response(JSON.stringify(session("secret-token-123")), { status: 200 }));
    const auth = useAuth();
    await auth.login("ada@example.com", "correct horse battery");
    expect(auth.token).toBe("secret-token-123");
    expect(auth.role).toBe("deployer");
    const stored = [
      ...Object.keys(localStorage).map((k) => localStorage.getItem(k)),
      ...Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)),
      document.cookie,
    ].join(" ");
    expect(stored).not.toContain("secret-token-123");
  });

  test("concurrent renewals send one refresh request (a reused refresh token would end the session)", async () => {
    const calls = stubFetch(() => new Response(JSON.stringify(session("t2")), { status: 200 }));
    const auth = useAuth();
    const results = await Promise.all([auth.refresh(), auth.refresh(), auth.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(calls.filter((url) => url.endsWith("/auth/refresh"))).toHaveLength(1);
    expect(auth.token).toBe("t2");
  });

  test("renews silently before the token expires", async () => {
    vi.useFakeTimers();
    let n = 0;
    const calls = stubFetch(() => new Response(JSON.stringify(session(`t${++n}`, 60)), { status: 200 }));
    const auth = useAuth();
    await auth.login("ada@example.com", "pw");
    expect(auth.token).toBe("t1");
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.at(-1)).toBe("/api/v1/auth/refresh");
    expect(auth.token).toBe("t2");
  });

  test("restore without a refresh cookie leaves the person signed out, and ready", async () => {
    stubFetch(() => new Response(JSON.stringify({ error: "no session" }), { status: 401 }));
    const auth = useAuth();
    await auth.restore();
    expect(auth.ready).toBe(true);
    expect(auth.signedIn).toBe(false);
  });

  test("logout drops the token even when the server cannot be reached", async () => {
    stubFetch(() => new Response(JSON.stringify(session("t1")), { status: 200 }));
    const auth = useAuth();
    await auth.login("ada@example.com", "pw");
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("offline");
    });
    await auth.logout();
    expect(auth.token).toBeNull();
    expect(auth.user).toBeNull();
  });
});
