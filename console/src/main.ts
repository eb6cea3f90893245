import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "./App.vue";
import { createConsoleRouter } from "./router";
import { connectAuth, useAuth } from "./stores/auth";
import { useTheme } from "./stores/theme";
import "./styles/main.css";

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
useTheme(pinia).watchSystem();

const auth = useAuth(pinia);
const router = createConsoleRouter(auth);
connectAuth(auth, () => {
  if (router.currentRoute.value.name !== "login") {
    void router.push({ name: "login", query: { next: router.currentRoute.value.fullPath, expired: "1" } });
  }
});
app.use(router);
app.mount("#app");
