/**
 * The `skipper` package entry: what a stack file imports (`import { defineStack, bareMetal } from "skipper"`).
 * `defineStack` is the one-object way to write a stack; the providers say where the machines come from; the
 * components are there for stacks that drop below `defineStack` (`new App(...)`, `new K3sCluster(...)`) next to plain
 * `@pulumi/kubernetes`. The `kip` command ships as the package's bin.
 */

export { App, type AppArgs, appUrls } from "./components/app.ts";
export {
  buildStack,
  type DefineStackArgs,
  defineStack,
  type StackOutputs,
  toStackSpec,
} from "./components/define-stack.ts";
export { K3sCluster, type K3sClusterArgs } from "./components/k3s-cluster.ts";
export { K3sHost, type K3sHostArgs } from "./components/k3s-host.ts";
export { Project, type ProjectArgs } from "./components/project.ts";
export { Service, type ServiceArgs } from "./components/service.ts";
export { SpecError, SpecErrors } from "./core/errors.ts";
export { UNKNOWN_ADDRESS } from "./core/k3s/addresses.ts";
export type {
  AppSpec,
  ClusterSpec,
  ConsoleSpec,
  DomainSpec,
  HealthSpec,
  HostSpec,
  K3sSpec,
  PreflightSpec,
  ResourcesSpec,
  ServiceEngine,
  ServiceSpec,
  StackSpec,
} from "./core/spec.ts";
export { validateStack } from "./core/validate/stack.ts";
export { type BareMetalArgs, BareMetalProvider, bareMetal, SSH_KEY_CONFIG } from "./providers/bare-metal.ts";
export { createdAddress } from "./providers/created-address.ts";
export { HCLOUD_TOKEN_CONFIG, type HetznerArgs, HetznerProvider, hetzner } from "./providers/hetzner.ts";
export type { InfraProvider, LoadBalancer, Machine, Provisioned, SshConnection } from "./providers/infra-provider.ts";
