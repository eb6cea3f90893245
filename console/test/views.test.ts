import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";
import type { AppDetail } from "../src/api/types";
import LogViewer from "../src/components/LogViewer.vue";
import { useAuth } from "../src/stores/auth";
import AppDetailView from "../src/views/AppDetail.vue";
import LoginView from "../src/views/LoginView.vue";

function routerFor() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/", component: { template: "<p>home</p>" } },
      { path: "/login", name: "login", component: LoginView },
      { path: "/apps", component: { template: "<p>apps</p>" } },
    ],
  });
}

const detail = (overrides: Partial<AppDetail> = {}): AppDetail => ({
  name: "web",
  project: "shop",
  image: "ghcr.io/acme/web:1.4.2",
  stackOwned: true,
  state: "running",
  replicas: { declared: 2, desired: 2, ready: 2 },
  createdAt: "2026-12-02T10:00:00Z",
  urls: ["https://web-203-0-113-10.skipper.run"],
  env: ["DATABASE_URL", "NODE_ENV"],
  pods: [
    {
      name: "web-abc-1",
      phase: "Running",
      ready: true,
      restarts: 3,
      containers: [
        {
          name: "web",
          image: "ghcr.io/acme/web:1.4.2",
          ready: true,
          restarts: 3,
          state: "running",
          lastTermination: { reason: "OOMKilled", exitCode: 137 },
        },
      ],
    },
  ],
  ...overrides,
});

class SilentSocket {
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  protocol = "";
  readyState = 0;
  close() {}
}

beforeEach(() => {
  setActivePinia(createPinia());
  vi.stubGlobal("WebSocket", SilentSocket);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("LoginView", () => {
  test("field errors inline, without calling the API", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    const router = routerFor();
    await router.push("/login");
    const wrapper = mount(LoginView, { global: { plugins: [router] } });
    await wrapper.find("form").trigger("submit");
    expect(wrapper.find("#login-email-error").text()).toMatch(/email address/);
    expect(wrapper.find("#login-password-error").text()).toMatch(/password/);
    expect(wrapper.find("#login-email").attributes("aria-invalid")).toBe("true");
    expect(fetch).not.toHaveBeenCalled();
  });

  test("wrong credentials: an inline message, the password cleared", async () => {
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ error: "invalid credentials" }), { status: 401 }));
    const router = routerFor();
    await router.push("/login");
    const wrapper = mount(LoginView, { global: { plugins: [router] } });
    await wrapper.find("#login-email").setValue("ada@example.com");
    await wrapper.find("#login-password").setValue("wrong password");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    expect(wrapper.find('[data-testid="login-error"]').text()).toBe("The email or the password is wrong.");
    expect((wrapper.find("#login-password").element as HTMLInputElement).value).toBe("");
  });

  test("rate limited: says when to retry and disables the button until then", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    vi.setSystemTime(new Date("2026-12-02T12:00:00Z"));
    vi.stubGlobal(
      "fetch",
      async () =>
        new Response(JSON.stringify({ error: "too many" }), { status: 429, headers: { "retry-after": "90" } }),
    );
    const router = routerFor();
    await router.push("/login");
    const wrapper = mount(LoginView, { global: { plugins: [router] } });
    await wrapper.find("#login-email").setValue("ada@example.com");
    await wrapper.find("#login-password").setValue("pw");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    const message = wrapper.find('[data-testid="login-error"]').text();
    expect(message).toMatch(/Too many sign-in attempts\. Try again at .+ \(in 2 min\)\./);
    expect(message).toMatch(/90 s left/);
    expect(wrapper.find('[data-testid="login-submit"]').attributes("disabled")).toBeDefined();
    vi.advanceTimersByTime(91_000);
    await flushPromises();
    expect(wrapper.find('[data-testid="login-submit"]').attributes("disabled")).toBeUndefined();
    vi.useRealTimers();
  });

  test("success goes to the page asked for, never to another origin", async () => {
    vi.stubGlobal(
      "fetch",
      async () =>
        new Response(JSON.stringify({ accessToken: "t", expiresIn: 900, user: { email: "a@b.c", role: "admin" } }), {
          status: 200,
        }),
    );
    const router = routerFor();
    await router.push("/login?next=//evil.example/x");
    const wrapper = mount(LoginView, { global: { plugins: [router] } });
    await wrapper.find("#login-email").setValue("a@b.c");
    await wrapper.find("#login-password").setValue("pw");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe("/");
    expect(useAuth().token).toBe("t");
  });
});

describe("AppDetail", () => {
  async function mountAs(role: "admin" | "deployer" | "viewer", app: AppDetail) {
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify(app), { status: 200 }));
    const auth = useAuth();
    auth.token = "t";
    auth.user = { email: "ada@example.com", role };
    const router = routerFor();
    await router.push("/apps");
    const wrapper = mount(AppDetailView, { props: { project: "shop", app: "web" }, global: { plugins: [router] } });
    await flushPromises();
    return wrapper;
  }

  test("a viewer sees the app but no scale or restart control", async () => {
    const wrapper = await mountAs("viewer", detail());
    expect(wrapper.find('[data-testid="app-image"]').text()).toBe("ghcr.io/acme/web:1.4.2");
    expect(wrapper.text()).toContain("DATABASE_URL");
    expect(wrapper.find('[data-testid="scale-button"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="restart-button"]').exists()).toBe(false);
    wrapper.unmount();
  });

  test("a deployer of a stack-owned app gets scale with the pulumi up note", async () => {
    const wrapper = await mountAs("deployer", detail());
    expect(wrapper.find('[data-testid="scale-button"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="scale-note"]').text()).toMatch(/lasts until the next pulumi up.*back to 2/s);
    expect(wrapper.find('[data-testid="app-replicas"]').text()).toMatch(/declared in the stack: 2/);
    expect(wrapper.text()).toMatch(/last exited: OOMKilled \(code\s+137\)/);
    wrapper.unmount();
  });

  test("an app the stack does not own gets no pulumi up note; out-of-range replicas are refused", async () => {
    const wrapper = await mountAs(
      "admin",
      detail({ stackOwned: false, replicas: { declared: null, desired: 1, ready: 1 } }),
    );
    expect(wrapper.find('[data-testid="scale-note"]').text()).not.toMatch(/pulumi up/);
    await wrapper.find('[data-testid="scale-input"]').setValue("51");
    expect(wrapper.find('[data-testid="scale-button"]').attributes("disabled")).toBeDefined();
    await wrapper.find('[data-testid="scale-input"]').setValue("3");
    expect(wrapper.find('[data-testid="scale-button"]').attributes("disabled")).toBeUndefined();
    wrapper.unmount();
  });
});

describe("LogViewer", () => {
  test("renders only the rows in view and keeps at most the cap", async () => {
    const sockets: { onmessage: ((e: { data: string }) => void) | null; onopen: (() => void) | null }[] = [];
    vi.stubGlobal(
      "WebSocket",
      class extends SilentSocket {
        constructor() {
          super();
          sockets.push(this as never);
        }
      },
    );
    vi.stubGlobal("requestAnimationFrame", (callback: () => void) => setTimeout(callback, 0));
    const auth = useAuth();
    auth.token = "t";
    auth.user = { email: "a@b.c", role: "viewer" };
    const wrapper = mount(LogViewer, { props: { project: "shop", app: "web", pods: ["web-1"], cap: 500 } });
    await flushPromises();
    const socket = sockets[0]!;
    socket.onopen?.();
    for (let i = 0; i < 2000; i++) socket.onmessage?.({ data: `line ${i}` });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await flushPromises();
    const rendered = wrapper.findAll(".log-line");
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.length).toBeLessThan(100);
    expect(wrapper.find('[data-testid="log-count"]').text()).toMatch(/500 lines kept, 1500 older lines dropped/);
    wrapper.unmount();
  });
});
