/**
 * The address of a machine a provider creates, as the host steps need it: a cloud server's IP is an Output the
 * provider's plugin fills in once the server exists (unknown during a first preview, which Pulumi handles). `kip synth`
 * runs without any plugin, so there the value never arrives: it becomes `UNKNOWN_ADDRESS` (`<unknown until created>`),
 * the same on every run, switched on with the secret placeholders (`useSecretPlaceholders`, turned on only by synth).
 */
import type * as pulumi from "@pulumi/pulumi";
import { UNKNOWN_ADDRESS } from "../core/k3s/addresses.ts";
import { secretPlaceholdersEnabled } from "./secret-config.ts";

/**
 * `value` as an address; a missing one is `UNKNOWN_ADDRESS` under `kip synth` and, anywhere else, an error naming
 * `what` (e.g. `Hetzner server acme-server-1`) and what the address is `for`.
 */
export function createdAddress(
  value: pulumi.Output<string | undefined>,
  what: string,
  purpose = "so Skipper cannot reach it over SSH",
): pulumi.Output<string> {
  return value.apply((address) => {
    if (address) return address;
    if (secretPlaceholdersEnabled()) return UNKNOWN_ADDRESS;
    throw new Error(`${what} has no public IPv4 address, ${purpose}. Fix: keep its public IPv4 enabled`);
  });
}
