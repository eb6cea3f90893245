import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { useAuth } from "../src/stores/auth";
import UsersView from "../src/views/UsersView.vue";

const users = [
  { email: "ada@example.com", role: "admin", projects: [], createdAt: "2026-12-02T10:00:00Z" },
  { email: "bob@example.com", role: "deployer", projects: ["shop"], createdAt: "2026-12-02T10:00:00Z" },
];

beforeEach(() => {
  setActivePinia(createPinia());
  const auth = useAuth();
  auth.token = "t";
  auth.user = { email: "ada@example.com", role: "admin" };
});
afterEach(() => vi.unstubAllGlobals());

function stubApi(created: unknown) {
  const requests: { method: string; url: string; body?: unknown }[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const method = init.method ?? "GET";
    requests.push({ method, url, body: init.body ? JSON.parse(String(init.body)) : undefined });
    if (url === "/api/v1/projects") return new Response(JSON.stringify({ projects: [] }), { status: 200 });
    if (url === "/api/v1/users" && method === "GET") return new Response(JSON.stringify({ users }), { status: 200 });
    if (url === "/api/v1/users" && method === "POST") return new Response(JSON.stringify(created), { status: 201 });
    return new Response(JSON.stringify({ error: "unexpected" }), { status: 500 });
  });
  return requests;
}

describe("UsersView", () => {
  test("adding a user without a password shows the generated one once, and sends no password", async () => {
    const requests = stubApi({
      user: { ...users[1], email: "new@example.com", role: "viewer" },
      password: "Gen3rated-pw-x",
    });
    const wrapper = mount(UsersView);
    await flushPromises();
    await wrapper.find("#user-email").setValue("New@Example.com");
    await wrapper.find("form.user-form").trigger("submit");
    await flushPromises();
    const post = requests.find((r) => r.method === "POST");
    expect(post?.body).toEqual({ email: "new@example.com", role: "viewer", projects: [] });
    expect(wrapper.find('[data-testid="shown-password"]').text()).toContain("Gen3rated-pw-x");
    await wrapper.find('[data-testid="shown-password"] .button-quiet').trigger("click");
    expect(wrapper.find('[data-testid="shown-password"]').exists()).toBe(false);
  });

  test("a chosen password shorter than 12 characters is refused before the API is asked", async () => {
    const requests = stubApi({});
    const wrapper = mount(UsersView);
    await flushPromises();
    await wrapper.find("#user-email").setValue("x@example.com");
    await wrapper.find("#user-password").setValue("short");
    await wrapper.find("form.user-form").trigger("submit");
    await flushPromises();
    expect(wrapper.find(".user-form .form-error").text()).toMatch(/at least 12 characters/);
    expect(requests.some((r) => r.method === "POST")).toBe(false);
  });

  test("an admin cannot remove or demote themselves from the list", async () => {
    stubApi({});
    const wrapper = mount(UsersView);
    await flushPromises();
    const own = wrapper.findAll("tbody tr").find((row) => row.text().includes("ada@example.com"))!;
    const buttons = own.findAll("button");
    const byText = (text: string) => buttons.find((b) => b.text() === text)!;
    expect(byText("Remove").attributes("disabled")).toBeDefined();
    expect(byText("Edit").attributes("disabled")).toBeDefined();
    const other = wrapper.findAll("tbody tr").find((row) => row.text().includes("bob@example.com"))!;
    expect(
      other
        .findAll("button")
        .find((b) => b.text() === "Remove")!
        .attributes("disabled"),
    ).toBeUndefined();
  });
});
