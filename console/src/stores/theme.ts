// Light or dark: follows the system until the person picks one, then remembers the choice in this browser.
import { defineStore } from "pinia";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "skipper-console-theme";

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

function systemDark(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

export const useTheme = defineStore("theme", {
  state: () => ({ choice: stored() as ThemeChoice, systemDark: systemDark() }),
  getters: {
    dark: (state) => (state.choice === "system" ? state.systemDark : state.choice === "dark"),
  },
  actions: {
    apply() {
      document.documentElement.dataset.theme = this.dark ? "dark" : "light";
    },
    set(choice: ThemeChoice) {
      this.choice = choice;
      try {
        if (choice === "system") localStorage.removeItem(KEY);
        else localStorage.setItem(KEY, choice);
      } catch {
        // Private mode without storage: the choice lasts for this page.
      }
      this.apply();
    },
    /** Cycle system → light → dark → system (the header button). */
    toggle() {
      this.set(this.choice === "system" ? (this.dark ? "light" : "dark") : this.choice === "light" ? "dark" : "system");
    },
    watchSystem() {
      if (typeof matchMedia !== "function") return;
      matchMedia("(prefers-color-scheme: dark)").addEventListener("change", (event) => {
        this.systemDark = event.matches;
        this.apply();
      });
      this.apply();
    },
  },
});
