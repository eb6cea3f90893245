/**
 * The catalogue of stateful service engines: for each one, the image, the defaults a user gets when they write only
 * `engine`, where its data lives, which credentials it has, how its container learns them, how to tell it is ready,
 * and how apps that bind it see it. Everything engine-specific lives here; the validators and renderers read it.
 *
 * Credentials: every engine gets one generated password (see `renderServiceCredentials`), stored in the Secret
 * `<service>-credentials` together with the host, port, user, database and a ready-made connection URL. The engine's
 * container reads the password from that Secret by `secretKeyRef`, never from a literal in the manifest.
 */
import type { Resources } from "./model.ts";
import type { ServiceEngine } from "./spec.ts";

/** Keys of the credentials Secret. `USERNAME` and `DATABASE` only exist where the engine has them. */
export type CredentialKey = "HOST" | "PORT" | "USERNAME" | "PASSWORD" | "DATABASE" | "URL";

/** An env var of the engine's own container: a literal, or a key of the service's credentials Secret. */
export type EngineEnv =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly credential: CredentialKey };

export interface BindingScheme {
  /**
   * Engines in one group share the well-known names below: the first service of the group an app binds (in `bind`
   * order) gets them. postgres and mysql share `sql`, so an app never sees two `DATABASE_URL`s.
   */
  readonly group: string;
  /** The well-known URL variable, e.g. `DATABASE_URL`. */
  readonly urlVar: string;
  /** The well-known prefix of the per-field variables, e.g. `DB_` → `DB_HOST`, `DB_PORT`, … */
  readonly prefix: string;
}

export interface EngineEntry {
  readonly engine: ServiceEngine;
  /** Image repository without tag, fully qualified so no registry default is assumed. */
  readonly image: string;
  /** The tag used when the spec gives no `version`. */
  readonly defaultVersion: string;
  readonly port: number;
  /** Name of the container port (an IANA service name: at most 15 characters). */
  readonly portName: string;
  /** Where the volume is mounted in the container. */
  readonly dataPath: string;
  /**
   * Sub-directory of the volume mounted at `dataPath`, for engines whose first start refuses a non-empty data
   * directory (a fresh ext4 volume holds `lost+found`). @default the volume root
   */
  readonly dataSubPath?: string;
  readonly defaultStorage: string;
  readonly defaultResources: Resources;
  /** The user the credentials name; absent when the engine has no user (redis uses its default user). */
  readonly username?: string;
  /** The database the credentials name; absent when the engine has none. */
  readonly database?: string;
  /** URL scheme of the connection URL. */
  readonly urlScheme: string;
  /** Query string appended to the URL (mongodb: the root user lives in the `admin` database). */
  readonly urlQuery?: string;
  /** Env vars of the engine container, in the order the container gets them. */
  readonly env: readonly EngineEnv[];
  /** Container args, when the engine needs flags (Kubernetes expands `$(VAR)` from the env above). */
  readonly args?: readonly string[];
  /** Readiness check run inside the container (exec probe). It must fail while the engine initialises. */
  readonly readinessCommand: readonly string[];
  readonly binding: BindingScheme;
  /** Seconds the engine may take to shut down cleanly before it is killed. */
  readonly terminationGracePeriodSeconds: number;
}

const DATABASE_PROFILE: Resources = { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" };

/** The user and database every SQL/document engine is initialised with. */
const APP_USER = "app";
const APP_DATABASE = "app";

export const CATALOGUE: Readonly<Record<ServiceEngine, EngineEntry>> = {
  postgres: {
    engine: "postgres",
    image: "docker.io/library/postgres",
    defaultVersion: "16",
    port: 5432,
    portName: "postgres",
    dataPath: "/var/lib/postgresql/data",
    defaultStorage: "5Gi",
    defaultResources: DATABASE_PROFILE,
    username: APP_USER,
    database: APP_DATABASE,
    urlScheme: "postgresql",
    env: [
      { name: "POSTGRES_USER", credential: "USERNAME" },
      { name: "POSTGRES_PASSWORD", credential: "PASSWORD" },
      { name: "POSTGRES_DB", credential: "DATABASE" },
      // The cluster lives in a sub-directory: initdb refuses a volume root that holds `lost+found`.
      { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
    ],
    // While the entrypoint initialises, postgres listens on the unix socket only, so a TCP check stays unready.
    readinessCommand: ["pg_isready", "--host=127.0.0.1", `--username=${APP_USER}`, `--dbname=${APP_DATABASE}`],
    binding: { group: "sql", urlVar: "DATABASE_URL", prefix: "DB_" },
    terminationGracePeriodSeconds: 60,
  },
  mysql: {
    engine: "mysql",
    image: "docker.io/library/mysql",
    defaultVersion: "8.4",
    port: 3306,
    portName: "mysql",
    dataPath: "/var/lib/mysql",
    dataSubPath: "mysql",
    defaultStorage: "5Gi",
    defaultResources: { cpu: "100m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    username: APP_USER,
    database: APP_DATABASE,
    urlScheme: "mysql",
    env: [
      { name: "MYSQL_USER", credential: "USERNAME" },
      { name: "MYSQL_PASSWORD", credential: "PASSWORD" },
      { name: "MYSQL_DATABASE", credential: "DATABASE" },
      // One generated password: root is reachable only inside the cluster, like the app user.
      { name: "MYSQL_ROOT_PASSWORD", credential: "PASSWORD" },
    ],
    // `ping` needs no password; during initialisation the server runs without networking, so TCP fails.
    readinessCommand: ["mysqladmin", "ping", "--host=127.0.0.1", "--silent"],
    binding: { group: "sql", urlVar: "DATABASE_URL", prefix: "DB_" },
    terminationGracePeriodSeconds: 60,
  },
  redis: {
    engine: "redis",
    image: "docker.io/library/redis",
    defaultVersion: "7.4",
    port: 6379,
    portName: "redis",
    dataPath: "/data",
    defaultStorage: "1Gi",
    defaultResources: { cpu: "50m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
    urlScheme: "redis",
    env: [
      { name: "REDIS_PASSWORD", credential: "PASSWORD" },
      // redis-cli reads its password from here, so the probe needs no shell.
      { name: "REDISCLI_AUTH", credential: "PASSWORD" },
    ],
    args: ["redis-server", "--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data"],
    readinessCommand: ["sh", "-c", "redis-cli -h 127.0.0.1 ping | grep -q PONG"],
    binding: { group: "redis", urlVar: "REDIS_URL", prefix: "REDIS_" },
    terminationGracePeriodSeconds: 30,
  },
  mongodb: {
    engine: "mongodb",
    image: "docker.io/library/mongo",
    defaultVersion: "7.0",
    port: 27017,
    portName: "mongodb",
    dataPath: "/data/db",
    defaultStorage: "5Gi",
    defaultResources: { cpu: "100m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    username: APP_USER,
    database: APP_DATABASE,
    urlScheme: "mongodb",
    urlQuery: "authSource=admin",
    env: [
      { name: "MONGO_INITDB_ROOT_USERNAME", credential: "USERNAME" },
      { name: "MONGO_INITDB_ROOT_PASSWORD", credential: "PASSWORD" },
      { name: "MONGO_INITDB_DATABASE", credential: "DATABASE" },
    ],
    // `ping` needs no authentication, so the probe carries no password.
    readinessCommand: ["mongosh", "--quiet", "--norc", "--host", "127.0.0.1", "--eval", "db.adminCommand('ping').ok"],
    binding: { group: "mongodb", urlVar: "MONGODB_URL", prefix: "MONGO_" },
    terminationGracePeriodSeconds: 60,
  },
};

export const ENGINES: readonly ServiceEngine[] = Object.keys(CATALOGUE).sort() as ServiceEngine[];

export function isEngine(value: unknown): value is ServiceEngine {
  return typeof value === "string" && Object.hasOwn(CATALOGUE, value);
}

export function engineEntry(engine: ServiceEngine): EngineEntry {
  return CATALOGUE[engine];
}

/** The credential keys a service of this engine has, in a fixed order. */
export function credentialKeys(engine: ServiceEngine): readonly CredentialKey[] {
  const e = CATALOGUE[engine];
  const keys: CredentialKey[] = ["HOST", "PORT"];
  if (e.username !== undefined) keys.push("USERNAME");
  keys.push("PASSWORD");
  if (e.database !== undefined) keys.push("DATABASE");
  keys.push("URL");
  return keys;
}
