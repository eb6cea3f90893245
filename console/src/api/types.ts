// The console-api's pinned API shapes. They come from the server's own JSON schemas (core/console/api.ts), as
// types only: nothing of the server is bundled, the console talks to it over HTTP.
import type {
  AppDetailResponse,
  AppView,
  CredentialsResponse,
  DashboardResponse,
  FailureView,
  MembersResponse,
  MeResponse,
  NodeView,
  PodView,
  ProjectView,
  Role,
  RouteView,
  ScaleResponse,
  ServiceDetailResponse,
  ServiceView,
  SessionResponse,
  UserView,
  UserWithPasswordResponse,
} from "../../../core/console/api";

export type {
  AppDetailResponse as AppDetail,
  AppView as AppSummary,
  CredentialsResponse as ServiceCredentials,
  DashboardResponse as Dashboard,
  FailureView as Failure,
  MeResponse as Me,
  NodeView as DashboardNode,
  PodView as Pod,
  ProjectView as Project,
  Role,
  RouteView as Route,
  ScaleResponse,
  ServiceDetailResponse as ServiceDetail,
  SessionResponse as LoginResponse,
  UserView as User,
  UserWithPasswordResponse as CreatedUser,
};
export type Member = MembersResponse["members"][number];
export type WorkloadState = AppView["state"];

/** The signed-in person as the session knows them (login answers email and role; /me adds the projects). */
export interface SessionUser {
  email: string;
  role: Role;
  projects?: string[];
}

/** A service; `boundApps` is what the stack recorded (absent for a service it did not make). */
export type ServiceSummary = ServiceView;

export const ROLES: readonly Role[] = ["admin", "deployer", "viewer"];
/** The console-api refuses more (core/console/api.ts MAX_REPLICAS). */
export const MAX_REPLICAS = 50;
