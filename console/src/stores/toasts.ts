// Short messages about the result of an action, announced to screen readers by ToastHost.
import { defineStore } from "pinia";

export interface Toast {
  id: number;
  kind: "success" | "error" | "info";
  text: string;
}

let next = 1;

export const useToasts = defineStore("toasts", {
  state: () => ({ items: [] as Toast[] }),
  actions: {
    show(kind: Toast["kind"], text: string, ms = kind === "error" ? 8000 : 4000) {
      const id = next++;
      this.items.push({ id, kind, text });
      if (this.items.length > 4) this.items.shift();
      setTimeout(() => this.dismiss(id), ms);
      return id;
    },
    success(text: string) {
      return this.show("success", text);
    },
    error(text: string) {
      return this.show("error", text);
    },
    dismiss(id: number) {
      this.items = this.items.filter((toast) => toast.id !== id);
    },
  },
});
