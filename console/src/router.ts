import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from "vue-router";
import AppLayout from "./components/AppLayout.vue";
import type { useAuth } from "./stores/auth";
import DashboardView from "./views/DashboardView.vue";
import LoginView from "./views/LoginView.vue";

const routes: RouteRecordRaw[] = [
  { path: "/login", name: "login", component: LoginView, meta: { public: true, title: "Sign in" } },
  {
    path: "/",
    component: AppLayout,
    children: [
      { path: "", name: "dashboard", component: DashboardView, meta: { title: "Dashboard" } },
      {
        path: "projects",
        name: "projects",
        component: () => import("./views/ProjectsView.vue"),
        meta: { title: "Projects" },
      },
      {
        path: "apps",
        name: "apps",
        component: () => import("./views/AppsView.vue"),
        meta: { title: "Apps" },
        children: [
          {
            path: ":project/:app",
            name: "app",
            component: () => import("./views/AppDetail.vue"),
            props: true,
            meta: { title: "App" },
          },
        ],
      },
      {
        path: "services",
        name: "services",
        component: () => import("./views/ServicesView.vue"),
        meta: { title: "Services" },
      },
      { path: "routes", name: "routes", component: () => import("./views/RoutesView.vue"), meta: { title: "Routes" } },
      {
        path: "users",
        name: "users",
        component: () => import("./views/UsersView.vue"),
        meta: { title: "Users", admin: true },
      },
      {
        path: ":missing(.*)*",
        name: "missing",
        component: () => import("./views/NotFoundView.vue"),
        meta: { title: "Not found" },
      },
    ],
  },
];

export function createConsoleRouter(auth: ReturnType<typeof useAuth>): Router {
  const router = createRouter({ history: createWebHistory(), routes });
  let restoring: Promise<void> | null = null;

  router.beforeEach(async (to) => {
    if (!auth.ready) {
      restoring ??= auth.restore();
      await restoring;
    }
    if (to.meta.public) {
      return to.name === "login" && auth.signedIn ? { name: "dashboard" } : true;
    }
    if (!auth.signedIn) {
      return { name: "login", query: to.fullPath === "/" ? {} : { next: to.fullPath } };
    }
    if (to.meta.admin && auth.role !== "admin") return { name: "dashboard" };
    return true;
  });

  router.afterEach((to) => {
    const title = typeof to.meta.title === "string" ? to.meta.title : "";
    document.title = title ? `${title} · Skipper console` : "Skipper console";
  });
  return router;
}
