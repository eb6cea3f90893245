/**
 * The console-api's HTTP contract: JSON schemas of every request and response body (the console-api validates and
 * serialises with them, so a field not listed here never leaves the server), and the TypeScript types derived from
 * them for the web console. One source: change a shape here and both sides follow.
 */
import type { FromSchema } from "json-schema-to-ts";

type Schema = Record<string, unknown>;

/** An object schema that allows no other properties. */
function object<const P extends Record<string, Schema>, const R extends readonly (keyof P & string)[]>(
  properties: P,
  required: R,
) {
  return { type: "object", additionalProperties: false, properties, required } as const;
}

function arrayOf<const S extends Schema>(items: S) {
  return { type: "array", items } as const;
}

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const bool = { type: "boolean" } as const;
const nullableInt = { type: ["integer", "null"] } as const;
const strings = arrayOf(str);

export const ROLES = ["admin", "deployer", "viewer"] as const;
export type Role = (typeof ROLES)[number];
const role = { type: "string", enum: ROLES } as const;

/** A project name as Kubernetes accepts a namespace name (DNS-1123 label). */
export const PROJECT_NAME = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
const projectName = { type: "string", pattern: PROJECT_NAME, maxLength: 63 } as const;
const email = { type: "string", minLength: 3, maxLength: 254, pattern: "^[^\\s@]+@[^\\s@]+$" } as const;
/** Passwords: at least 12 characters (NIST SP 800-63B asks for 8+; admins set these for others), at most 256. */
const password = { type: "string", minLength: 12, maxLength: 256 } as const;

export const errorSchema = object({ error: str }, ["error"]);
export type ErrorBody = FromSchema<typeof errorSchema>;

// ---- auth ----------------------------------------------------------------------------------------------------------

export const loginRequestSchema = object(
  {
    email: { type: "string", minLength: 1, maxLength: 254 },
    password: { type: "string", minLength: 1, maxLength: 256 },
  },
  ["email", "password"],
);
export type LoginRequest = FromSchema<typeof loginRequestSchema>;

export const sessionSchema = object(
  {
    accessToken: str,
    /** Seconds until the access token expires. */
    expiresIn: int,
    user: object({ email: str, role }, ["email", "role"]),
  },
  ["accessToken", "expiresIn", "user"],
);
export type SessionResponse = FromSchema<typeof sessionSchema>;

export const meSchema = object({ email: str, role, projects: strings }, ["email", "role", "projects"]);
export type MeResponse = FromSchema<typeof meSchema>;

// ---- users ---------------------------------------------------------------------------------------------------------

export const userSchema = object({ email: str, role, projects: strings, createdAt: str }, [
  "email",
  "role",
  "projects",
  "createdAt",
]);
export type UserView = FromSchema<typeof userSchema>;

export const usersSchema = object({ users: arrayOf(userSchema) }, ["users"]);
export type UsersResponse = FromSchema<typeof usersSchema>;

export const createUserSchema = object(
  { email, role, projects: { ...arrayOf(projectName), maxItems: 1000 }, password },
  ["email", "role"],
);
export type CreateUserRequest = FromSchema<typeof createUserSchema>;

export const updateUserSchema = object({ role, projects: { ...arrayOf(projectName), maxItems: 1000 } }, []);
export type UpdateUserRequest = FromSchema<typeof updateUserSchema>;

export const resetPasswordSchema = object({ password }, []);
export type ResetPasswordRequest = FromSchema<typeof resetPasswordSchema>;

/** A created user or a reset password; `password` is present only when the server generated it (shown once). */
export const userWithPasswordSchema = object({ user: userSchema, password: str }, ["user"]);
export type UserWithPasswordResponse = FromSchema<typeof userWithPasswordSchema>;

// ---- projects ------------------------------------------------------------------------------------------------------

export const projectSchema = object(
  {
    name: str,
    /** Created by the stack (`pulumi up`) rather than in the console. */
    stackOwned: bool,
    apps: int,
    services: int,
    createdAt: str,
  },
  ["name", "stackOwned", "apps", "services", "createdAt"],
);
export type ProjectView = FromSchema<typeof projectSchema>;

export const projectsSchema = object({ projects: arrayOf(projectSchema) }, ["projects"]);
export type ProjectsResponse = FromSchema<typeof projectsSchema>;

export const createProjectSchema = object({ name: projectName }, ["name"]);
export type CreateProjectRequest = FromSchema<typeof createProjectSchema>;

export const membersSchema = object(
  { project: str, members: arrayOf(object({ email: str, role }, ["email", "role"])) },
  ["project", "members"],
);
export type MembersResponse = FromSchema<typeof membersSchema>;

/** The complete member list of the project (emails of existing users); admins need no membership. */
export const putMembersSchema = object({ members: { ...arrayOf(email), maxItems: 1000 } }, ["members"]);
export type PutMembersRequest = FromSchema<typeof putMembersSchema>;

// ---- workloads -----------------------------------------------------------------------------------------------------

/** `running`: all ready; `progressing`: rolling out or starting; `degraded`: some ready; `failed`: none ready with a failure; `stopped`: 0 replicas. */
export const WORKLOAD_STATES = ["running", "progressing", "degraded", "failed", "stopped"] as const;
const state = { type: "string", enum: WORKLOAD_STATES } as const;

export const containerSchema = object(
  {
    name: str,
    image: str,
    ready: bool,
    restarts: int,
    /** `running`, `waiting`, `terminated`. */
    state: str,
    /** Why it is waiting or terminated (`CrashLoopBackOff`, `ImagePullBackOff`, `OOMKilled`, …). */
    reason: str,
    lastTermination: object({ reason: str, exitCode: int, finishedAt: str }, ["reason", "exitCode"]),
  },
  ["name", "image", "ready", "restarts", "state"],
);

export const podSchema = object(
  {
    name: str,
    phase: str,
    ready: bool,
    restarts: int,
    node: str,
    startedAt: str,
    /** The scheduler's or kubelet's reason when the pod is not running well. */
    reason: str,
    containers: arrayOf(containerSchema),
  },
  ["name", "phase", "ready", "restarts", "containers"],
);
export type PodView = FromSchema<typeof podSchema>;

export const replicasSchema = object(
  {
    /** What the stack declares (`skipper.run/declared-replicas`); null when not stack-owned. */
    declared: nullableInt,
    /** What the workload is set to now (a console scale changes this until the next `pulumi up`). */
    desired: int,
    ready: int,
  },
  ["declared", "desired", "ready"],
);

const workloadFields = {
  name: str,
  project: str,
  image: str,
  stackOwned: bool,
  state,
  replicas: replicasSchema,
  createdAt: str,
} as const;
const workloadRequired = ["name", "project", "image", "stackOwned", "state", "replicas", "createdAt"] as const;

export const appSchema = object({ ...workloadFields, urls: strings }, [...workloadRequired, "urls"]);
export type AppView = FromSchema<typeof appSchema>;

export const appsSchema = object({ apps: arrayOf(appSchema) }, ["apps"]);
export type AppsResponse = FromSchema<typeof appsSchema>;

export const appDetailSchema = object(
  {
    ...workloadFields,
    urls: strings,
    /** Names only: values (and secrets) never leave the cluster through the console. */
    env: strings,
    pods: arrayOf(podSchema),
    /** For stack-owned apps: what a console change means (scale lasts until the next `pulumi up`, …). */
    notice: str,
  },
  [...workloadRequired, "urls", "env", "pods"],
);
export type AppDetailResponse = FromSchema<typeof appDetailSchema>;

export const restartSchema = object({ app: str, restartedAt: str }, ["app", "restartedAt"]);
export type RestartResponse = FromSchema<typeof restartSchema>;

export const MAX_REPLICAS = 50;
export const scaleRequestSchema = object({ replicas: { type: "integer", minimum: 0, maximum: MAX_REPLICAS } }, [
  "replicas",
]);
export type ScaleRequest = FromSchema<typeof scaleRequestSchema>;

export const scaleSchema = object({ app: str, replicas: replicasSchema, notice: str }, ["app", "replicas"]);
export type ScaleResponse = FromSchema<typeof scaleSchema>;

/** A spec change the console makes only to apps it does not own through the stack. */
export const appChangeSchema = object(
  {
    image: { type: "string", minLength: 1, maxLength: 512 },
    env: {
      type: "object",
      maxProperties: 200,
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$", maxLength: 256 },
      additionalProperties: { type: ["string", "null"], maxLength: 32768 },
    },
  },
  [],
);
export type AppChangeRequest = FromSchema<typeof appChangeSchema>;

/**
 * The apps that bind a service, as the stack recorded them on its StatefulSet (`skipper.run/bound-apps`); absent when
 * nothing recorded them (a service the stack did not make), `[]` when the stack binds it to no app.
 */
const boundApps = arrayOf({ type: "string", pattern: PROJECT_NAME, maxLength: 63 });

export const serviceSchema = object({ ...workloadFields, engine: str, version: str, boundApps }, [
  ...workloadRequired,
  "engine",
]);
export type ServiceView = FromSchema<typeof serviceSchema>;

export const servicesSchema = object({ services: arrayOf(serviceSchema) }, ["services"]);
export type ServicesResponse = FromSchema<typeof servicesSchema>;

export const serviceDetailSchema = object(
  { ...workloadFields, engine: str, version: str, boundApps, pods: arrayOf(podSchema), host: str, port: int },
  [...workloadRequired, "engine", "pods"],
);
export type ServiceDetailResponse = FromSchema<typeof serviceDetailSchema>;

export const credentialsSchema = object(
  { service: str, host: str, port: str, username: str, password: str, database: str, url: str },
  ["service"],
);
export type CredentialsResponse = FromSchema<typeof credentialsSchema>;

// ---- routes --------------------------------------------------------------------------------------------------------

/**
 * TLS of a host: `gateway` (the subdomain gateway terminates TLS with its wildcard certificate), `ready` (a certificate
 * is in its Secret; `notAfter` says until when), `expired`, `pending` (cert-manager has not issued it yet), `none`
 * (plain HTTP only).
 */
export const TLS_STATES = ["gateway", "ready", "expired", "pending", "none"] as const;

export const routeSchema = object(
  {
    host: str,
    url: str,
    project: str,
    /** The app (Kubernetes Service) behind the host. */
    app: str,
    path: str,
    tls: object({ state: { type: "string", enum: TLS_STATES }, secretName: str, notAfter: str }, ["state"]),
  },
  ["host", "url", "project", "app", "path", "tls"],
);
export type RouteView = FromSchema<typeof routeSchema>;

export const routesSchema = object({ routes: arrayOf(routeSchema) }, ["routes"]);
export type RoutesResponse = FromSchema<typeof routesSchema>;

// ---- dashboard -----------------------------------------------------------------------------------------------------

const resources = object({ cpuMillicores: int, memoryBytes: int }, ["cpuMillicores", "memoryBytes"]);

export const nodeSchema = object(
  {
    name: str,
    ready: bool,
    roles: strings,
    kubeletVersion: str,
    capacity: object({ cpuMillicores: int, memoryBytes: int, pods: int }, ["cpuMillicores", "memoryBytes", "pods"]),
    allocatable: resources,
    /** Present when metrics-server answers. */
    usage: resources,
  },
  ["name", "ready", "roles", "capacity", "allocatable"],
);
export type NodeView = FromSchema<typeof nodeSchema>;

const health = object({ total: int, running: int, progressing: int, degraded: int, failed: int, stopped: int }, [
  "total",
  "running",
  "progressing",
  "degraded",
  "failed",
  "stopped",
]);

export const failureSchema = object(
  {
    project: str,
    kind: { type: "string", enum: ["app", "service"] },
    workload: str,
    pod: str,
    container: str,
    /** `CrashLoopBackOff`, `ImagePullBackOff`, `ErrImagePull`, `OOMKilled`, `Pending`, … */
    reason: str,
    /** What happened and what to do, in words. */
    message: str,
    since: str,
  },
  ["project", "kind", "workload", "pod", "reason", "message"],
);
export type FailureView = FromSchema<typeof failureSchema>;

export const dashboardSchema = object(
  {
    metricsAvailable: bool,
    nodes: arrayOf(nodeSchema),
    workloads: object({ apps: health, services: health }, ["apps", "services"]),
    failures: arrayOf(failureSchema),
  },
  ["metricsAvailable", "nodes", "workloads", "failures"],
);
export type DashboardResponse = FromSchema<typeof dashboardSchema>;

// ---- audit ---------------------------------------------------------------------------------------------------------

export const auditEntrySchema = object(
  {
    time: str,
    actor: str,
    /** `login`, `app.restart`, `app.scale`, `user.create`, `service.credentials`, … */
    action: str,
    target: str,
    outcome: { type: "string", enum: ["ok", "denied", "failed"] },
    detail: str,
  },
  ["time", "actor", "action", "target", "outcome"],
);
export type AuditEntry = FromSchema<typeof auditEntrySchema>;

export const auditSchema = object({ entries: arrayOf(auditEntrySchema) }, ["entries"]);
export type AuditResponse = FromSchema<typeof auditSchema>;

// ---- live logs -----------------------------------------------------------------------------------------------------

/** WebSocket subprotocol the client offers (with the access token as the second) and the server answers. */
export const LOGS_SUBPROTOCOL = "skipper.auth";
export const LOG_TAIL_DEFAULT = 100;
export const LOG_TAIL_MAX = 1000;
