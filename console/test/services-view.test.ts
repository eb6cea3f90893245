import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";
import { useAuth } from "../src/stores/auth";
import ServicesView from "../src/views/ServicesView.vue";

const service = (name: string, boundApps?: string[]) => ({
  name,
  project: "shop",
  image: "postgres:16",
  stackOwned: true,
  state: "running",
  replicas: { declared: null, desired: 1, ready: 1 },
  createdAt: "2026-12-02T10:00:00Z",
  engine: "postgres",
  version: "16",
  ...(boundApps && { boundApps }),
});

beforeEach(() => {
  setActivePinia(createPinia());
  const auth = useAuth();
  auth.token = "t";
  auth.user = { email: "vic@example.com", role: "viewer" };
  localStorage.clear();
});
afterEach(() => vi.unstubAllGlobals());

describe("ServicesView", () => {
  test("shows the bound apps the API reports, 'none' for [], 'not recorded' when absent, and asks nothing else", async () => {
    const urls: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      urls.push(url);
      if (url === "/api/v1/projects") {
        const shop = { name: "shop", stackOwned: true, apps: 2, services: 3, createdAt: "2026-12-02T10:00:00Z" };
        return new Response(JSON.stringify({ projects: [shop] }), { status: 200 });
      }
      if (url === "/api/v1/projects/shop/services") {
        const services = [service("cache", []), service("db", ["web", "worker"]), service("legacy")];
        return new Response(JSON.stringify({ services }), { status: 200 });
      }
      return new Response(JSON.stringify({ error: "unexpected" }), { status: 500 });
    });
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/:any(.*)*", component: {} }] });
    const wrapper = mount(ServicesView, { global: { plugins: [router] } });
    await flushPromises();
    const cards = wrapper.findAll('[data-testid="service"]');
    expect(cards.map((card) => card.find("h2").text())).toEqual(["cache", "db", "legacy"]);
    const [cache, db, legacy] = cards;
    expect(db!.findAll('[data-testid="bound-app"]').map((a) => [a.text(), a.attributes("href")])).toEqual([
      ["web", "/apps/shop/web"],
      ["worker", "/apps/shop/worker"],
    ]);
    expect(db!.text()).toContain("postgres 16");
    expect(cache!.find('[data-testid="bound-apps"]').text()).toMatch(/none — bind it with bind: \["cache"\]/);
    expect(legacy!.find('[data-testid="bound-apps"]').text()).toMatch(/not recorded/);
    expect(legacy!.findAll('[data-testid="bound-app"]')).toHaveLength(0);
    // No guessing from the apps' env names: only the projects and the services are asked for.
    expect(urls).toEqual(["/api/v1/projects", "/api/v1/projects/shop/services"]);
  });
});
