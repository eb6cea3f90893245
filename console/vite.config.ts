import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

// The console is served by the console-api from the same origin: `/` is the HTML shell, `/assets/*` the hashed
// files (cached for a year, see console-api/web). `npm run dev` proxies the API to a console-api on :8080
// (for example `npx kip console demo --port 8080`).
export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    // Everything is loaded from files: no inlined data: URLs, so the strict Content-Security-Policy holds.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", ws: true },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.ts"],
  },
});
