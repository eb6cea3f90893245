/**
 * `defineStack`: the one-object way to write a Skipper stack (DESIGN.md §2). It returns a function; Pulumi's Node
 * runtime calls a default-exported function and uses what it returns as the stack outputs, so nothing is created
 * when the file is imported (tests and `kip synth` install their mocks first).
 *
 * The function validates the whole stack (`validateStack`, errors name the field and rule), then builds the cluster,
 * the projects, the services and the apps (an app waits for the services it binds), and registers the cluster with
 * the gateway when the stack names one.
 */
import type * as pulumi from "@pulumi/pulumi";
import { SpecError, SpecErrors } from "../core/errors.ts";
import type { Stack } from "../core/model.ts";
import { renderAddons } from "../core/render/addons.ts";
import { defaultAdminEmail, serviceCredentials } from "../core/render/console.ts";
import { boundAppNames } from "../core/render/service.ts";
import type { ClusterSpec, StackSpec } from "../core/spec.ts";
import { validateStack } from "../core/validate/stack.ts";
import type { InfraProvider } from "../providers/infra-provider.ts";
import { App, secretEnvFromConfig } from "./app.ts";
import { Console } from "./console.ts";
import { registerStackCluster } from "./gateway-registration.ts";
import { K3sCluster } from "./k3s-cluster.ts";
import { Project } from "./project.ts";
import { releaseDataOnDestroy } from "./release-data.ts";
import { Service, serviceCredentialsKey } from "./service.ts";

/** A stack as the user writes it: the cluster's machines come from an `InfraProvider` instead of a host list. */
export interface DefineStackArgs extends Omit<StackSpec, "cluster"> {
  readonly cluster: Omit<ClusterSpec, "hosts"> & {
    /** Where the machines come from, e.g. `bareMetal({ hosts: [...] })`. */
    readonly provider: InfraProvider;
  };
}

/** What `pulumi stack output` shows. */
export interface StackOutputs {
  readonly clusterId: string;
  /** Kubeconfig for the cluster (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
  readonly kubeconfig: pulumi.Output<string>;
  /** Public URLs of each app (gateway host first, then custom domains); apps without a port have none. */
  readonly apps: Record<string, string[]>;
  /** The console's URL (gateway host, else `console.domain`), when the console is enabled and has either. */
  readonly consoleUrl?: string;
  /** The console's first admin (when the console is enabled): log in with this e-mail … */
  readonly consoleAdminEmail?: string;
  /** … and this password (secret): `pulumi stack output consoleAdminPassword --show-secrets`. */
  readonly consoleAdminPassword?: pulumi.Output<string>;
  /** The id the gateway knows the cluster by, when the stack uses a gateway. */
  readonly gatewayClusterId?: string;
  /**
   * Where the world reaches the cluster's apps: the load balancer's address, else the first server's. Point custom
   * domains' DNS records here (`pulumi stack output publicAddress`).
   */
  readonly publicAddress: pulumi.Output<string>;
}

/** The plain `StackSpec` of a `defineStack` argument (hosts taken from the provider). */
export function toStackSpec(args: DefineStackArgs): StackSpec {
  const { provider, ...cluster } = args.cluster ?? {};
  if (!Array.isArray((provider as Partial<InfraProvider> | undefined)?.hosts)) {
    // Without it there are no hosts to validate; say what is missing instead of failing on `undefined.hosts`.
    throw new SpecErrors([
      new SpecError(
        "cluster.provider",
        'is required: where the machines come from, e.g. provider: bareMetal({ hosts: [{ address: "203.0.113.10" }] })',
      ),
    ]);
  }
  return { ...args, cluster: { ...cluster, hosts: provider.hosts } };
}

/** Build every component of the stack; call inside a Pulumi program (or under mocks). */
export function buildStack(args: DefineStackArgs): StackOutputs {
  const stack = validateStack(toStackSpec(args));
  // Every config secret the apps need, read before any resource exists: a missing one stops the program cleanly.
  const secretEnv = new Map(stack.apps.map((app) => [app.name, secretEnvFromConfig(app)]));
  const cluster = new K3sCluster("cluster", {
    cluster: stack.cluster,
    infra: args.cluster.provider,
    // Rendered once the provider has said whether a load balancer speaks the PROXY protocol to Traefik.
    addons: (lb) =>
      renderAddons(stack, {
        trustedProxies: stack.domain.trustedProxies,
        ...(lb?.proxyProtocolFrom !== undefined && { proxyProtocolFrom: lb.proxyProtocolFrom }),
      }),
  });
  const first = cluster.hosts[0]!;
  // With a gateway domain, the cluster registers itself (from its first server, which proves the IP) once k3s is up,
  // with its public address (a load balancer's, or a server's known only once it exists). Behind a load balancer the
  // address is proven by challenge instead (components/gateway-registration.ts).
  const registration = registerStackCluster(stack, cluster, {
    host: first.resolvedHost,
    address: cluster.publicAddress,
    loadBalanced: cluster.loadBalanced,
    connection: first.connection,
    ready: first.last,
  });
  const projects = new Map(stack.projects.map((p) => [p, new Project(p, { project: p, cluster })]));
  // Objects of a project wait for its namespace; an app also waits for the services it binds.
  const after = (project: string, also: readonly pulumi.Resource[] = []): pulumi.ComponentResourceOptions => ({
    dependsOn: [...(projects.get(project) ? [projects.get(project) as Project] : []), ...also],
  });
  // One credentials key for the stack's services, kept even while there are none (a service declared again must get
  // its old password back); volumes of the provider's StorageClass.
  const credentialsKey = serviceCredentialsKey();
  const storageClass = args.cluster.provider.storageClass;
  // Services with deleteDataOnDestroy: a step on the first server deletes their volumes on destroy; they wait for it.
  const releaseData = releaseDataOnDestroy("cluster", cluster, stack);
  const services = new Map(
    stack.services.map((s) => [
      s.name,
      new Service(
        s.name,
        { service: s, cluster, storageClass, credentialsKey, boundApps: boundAppNames(s, stack.apps) },
        after(s.project, s.deleteDataOnDestroy && releaseData ? [releaseData] : []),
      ),
    ]),
  );
  const apps: Record<string, string[]> = {};
  for (const app of stack.apps) {
    const bound = app.bind.flatMap((b) => services.get(b) ?? []);
    const component = new App(
      app.name,
      { app, stack, cluster, secretEnv: secretEnv.get(app.name) ?? {} },
      after(app.project, bound),
    );
    apps[app.name] = [...component.urls];
  }
  return {
    clusterId: stack.cluster.id,
    publicAddress: cluster.publicAddress,
    kubeconfig: cluster.kubeconfig,
    apps,
    ...(stack.console.enabled ? deployConsole(stack, cluster, [...projects.values()]) : {}),
    ...(registration ? { gatewayClusterId: registration.clusterId } : {}),
  };
}

/** The console (`console.enabled`), after the project namespaces where it gets its credentials Roles. */
function deployConsole(
  stack: Stack,
  cluster: K3sCluster,
  projects: readonly Project[],
): Pick<StackOutputs, "consoleUrl" | "consoleAdminEmail" | "consoleAdminPassword"> {
  const { host, domain } = stack.console;
  const console = new Console(
    "console",
    {
      cluster,
      clusterId: stack.cluster.id,
      ...(stack.domain.gateway !== undefined && { gatewayDomain: stack.domain.gateway }),
      ...(host !== undefined && { gatewayHost: host }),
      ...(domain !== undefined && { domain }),
      adminEmail: defaultAdminEmail(stack.domain.acmeEmail, [host, domain]),
      k3sVersion: stack.cluster.k3s.version,
      credentials: serviceCredentials(stack.services),
    },
    { dependsOn: [...projects] },
  );
  return {
    ...(console.urls[0] !== undefined && { consoleUrl: console.urls[0] }),
    consoleAdminEmail: console.adminEmail,
    consoleAdminPassword: console.adminPassword,
  };
}

/**
 * Declare a Skipper stack: `export default defineStack({...})`. Nothing happens until Pulumi calls the result. Pass a
 * function returning the object instead when it reads Pulumi config (`new pulumi.Config()`): it is then called when
 * the program runs, not when the file is imported, so it sees the config of the run.
 */
export function defineStack(args: DefineStackArgs | (() => DefineStackArgs)): () => StackOutputs {
  return () => buildStack(typeof args === "function" ? args() : args);
}
