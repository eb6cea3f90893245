// The session: the access token lives only in this store's memory (never localStorage, never a cookie the page can
// read). After a reload the HttpOnly refresh cookie restores it; a timer renews it silently before it expires.
import { defineStore } from "pinia";
import { auth as authApi } from "../api/client";
import { ApiError, useTokenSource } from "../api/http";
import type { LoginResponse, Role, SessionUser } from "../api/types";
import { type Action, can } from "../lib/roles";

/** When to renew a token that lives `expiresIn` seconds: well before the end, never in a tight loop. */
export function refreshDelaySeconds(expiresIn: number): number {
  return Math.max(5, Math.min(expiresIn - 30, expiresIn * 0.8));
}

/**
 * Refresh tokens rotate and a reused one revokes the whole session, so two renewals must never race: one at a
 * time in this tab, and one at a time across tabs when the browser has the Web Locks API (the second tab then
 * sends the cookie the first one received).
 */
function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  return locks ? (locks.request("skipper-console-refresh", work) as Promise<T>) : work();
}

let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<boolean> | null = null;
const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("skipper-console-auth") : null;

export const useAuth = defineStore("auth", {
  state: () => ({
    token: null as string | null,
    user: null as SessionUser | null,
    expiresAt: 0,
    /** Set once the first restore attempt has finished, so the router knows whether to show the login page. */
    ready: false,
  }),
  getters: {
    signedIn: (state) => state.token !== null,
    role: (state): Role | null => state.user?.role ?? null,
  },
  actions: {
    can(action: Action): boolean {
      return can(this.user?.role, action);
    },
    accept(session: LoginResponse) {
      this.token = session.accessToken;
      this.user = session.user;
      this.expiresAt = Date.now() + session.expiresIn * 1000;
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh(), refreshDelaySeconds(session.expiresIn) * 1000);
    },
    clear() {
      clearTimeout(timer);
      this.token = null;
      this.user = null;
      this.expiresAt = 0;
    },
    async login(email: string, password: string) {
      this.accept(await authApi.login(email, password));
      channel?.postMessage("login");
    },
    /** Renew the access token through the refresh cookie; false when there is no session to renew. */
    refresh(): Promise<boolean> {
      inflight ??= exclusive(async () => {
        try {
          this.accept(await authApi.refresh());
          return true;
        } catch (error) {
          // A network error keeps the current token (it may still be valid); anything else ends the session.
          if (error instanceof ApiError && error.status === 0 && this.token && Date.now() < this.expiresAt) {
            clearTimeout(timer);
            timer = setTimeout(() => void this.refresh(), 10_000);
            return true;
          }
          this.clear();
          return false;
        }
      }).finally(() => {
        inflight = null;
      });
      return inflight;
    },
    /** On start: restore the session from the refresh cookie, if there is one. */
    async restore() {
      try {
        await this.refresh();
      } finally {
        this.ready = true;
      }
    },
    /** Renew at once when the tab wakes up after its token expired (timers do not run while a laptop sleeps). */
    wake() {
      if (this.token && Date.now() > this.expiresAt - 15_000) void this.refresh();
    },
    async logout() {
      try {
        await authApi.logout();
      } catch {
        // The cookie is cleared server-side when reachable; locally the token is dropped either way.
      }
      this.clear();
      channel?.postMessage("logout");
    },
  },
});

/** Wire the HTTP layer and the other tabs to this store. */
export function connectAuth(store: ReturnType<typeof useAuth>, onExpired: () => void): void {
  useTokenSource({
    token: () => store.token,
    refresh: () => store.refresh(),
    expired: () => {
      store.clear();
      onExpired();
    },
  });
  if (channel) {
    channel.onmessage = (event) => {
      if (event.data === "logout") {
        store.clear();
        onExpired();
      } else if (event.data === "login" && !store.token) {
        void store.refresh();
      }
    };
  }
  if (typeof document !== "undefined") {
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") store.wake();
    });
  }
}
