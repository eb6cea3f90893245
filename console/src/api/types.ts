// Shapes of the console-api's pinned REST API (issue 8). The console talks to it over HTTP only, so these are
// written from the API's contract, not imported from the server.

export type Role = "admin" | "deployer" | "viewer";
export const ROLES: readonly Role[] = ["admin", "deployer", "viewer"];

export interface User {
  email: string;
  role: Role;
  projects?: string[];
}

export interface LoginResponse {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  user: User;
}

export interface ResourceAmounts {
  /** CPU in cores (0.25 = 250m). */
  cpu?: number;
  /** Memory in bytes. */
  memory?: number;
}

export interface DashboardNode {
  name: string;
  ready: boolean;
  roles?: string[];
  capacity?: ResourceAmounts;
  allocatable?: ResourceAmounts;
  /** Present only when metrics-server answers. */
  usage?: ResourceAmounts;
}

export interface WorkloadHealth {
  project: string;
  name: string;
  kind?: string;
  ready: number;
  desired: number;
  healthy?: boolean;
}

export interface Failure {
  project?: string;
  namespace?: string;
  app?: string;
  pod: string;
  container?: string;
  reason: string;
  message?: string;
  /** What a person can do about it, when the API offers a hint. */
  hint?: string;
  since?: string;
}

export interface Dashboard {
  nodes: DashboardNode[];
  workloads: WorkloadHealth[];
  failures: Failure[];
}

export interface Member {
  email: string;
  role: Role;
}

export interface Project {
  name: string;
  namespace?: string;
  apps?: number;
  services?: number;
  members?: Member[];
}

export interface Replicas {
  /** What the stack declares (annotation skipper.run/declared-replicas); absent for apps the stack does not own. */
  declared?: number | null;
  /** spec.replicas now. */
  desired: number;
  ready: number;
  available?: number;
}

export type AppStatus = "running" | "progressing" | "degraded" | "failed" | "stopped" | string;

export interface AppSummary {
  name: string;
  project: string;
  status: AppStatus;
  replicas: Replicas;
  urls: string[];
  /** True when the stack (managed-by: skipper) owns the app. */
  stackOwned: boolean;
  image?: string;
}

export interface ContainerState {
  name: string;
  ready: boolean;
  restartCount: number;
  state: string;
  reason?: string;
  message?: string;
  lastState?: { state: string; reason?: string; exitCode?: number };
}

export interface Pod {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  node?: string;
  startedAt?: string;
  reason?: string;
  containers?: ContainerState[];
}

export interface AppDetail extends AppSummary {
  pods: Pod[];
  image: string;
  envNames: string[];
  /** The stack file that declares the app, when the API knows it. */
  stackFile?: string;
}

export interface ServiceSummary {
  name: string;
  project: string;
  engine?: string;
  version?: string;
  status?: string;
  ready?: boolean;
  boundApps: string[];
  storage?: string;
}

export interface ServiceDetail extends ServiceSummary {
  host?: string;
  port?: number;
}

/** Connection details; the API returns these only to deployers and admins, and audits the read. */
export type ServiceCredentials = Record<string, string | number>;

export interface Route {
  host: string;
  project?: string;
  app?: string;
  path?: string;
  tls: boolean | string;
  tlsState?: string;
  url?: string;
}

export interface CreatedUser {
  user: User;
  /** Returned once, when the admin did not choose a password. */
  password?: string;
}
