// The projects the signed-in person may see, and the one the apps and services views show.
import { defineStore } from "pinia";
import { api } from "../api/client";
import type { Project } from "../api/types";

const KEY = "skipper-console-project";

export const useProjects = defineStore("projects", {
  state: () => ({
    items: [] as Project[],
    current: (typeof localStorage !== "undefined" ? localStorage.getItem(KEY) : null) as string | null,
    loaded: false,
    error: null as string | null,
  }),
  actions: {
    async load() {
      try {
        this.items = await api.projects();
        this.error = null;
        if (!this.items.some((project) => project.name === this.current)) {
          this.select(this.items[0]?.name ?? null);
        }
      } catch (error) {
        this.error = (error as Error).message;
      } finally {
        this.loaded = true;
      }
    },
    select(name: string | null) {
      this.current = name;
      try {
        if (name) localStorage.setItem(KEY, name);
        else localStorage.removeItem(KEY);
      } catch {
        // No storage: the choice lasts for this page.
      }
    },
    reset() {
      this.items = [];
      this.loaded = false;
    },
  },
});
