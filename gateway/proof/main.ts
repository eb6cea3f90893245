/**
 * The proof responder's program (bundled and run in the member cluster by `core/render/gateway-proof.ts`). Settings
 * come from the environment:
 * - `SKIPPER_CLUSTER_ID`: the cluster id it signs for (required);
 * - `SKIPPER_PROOF_KEY_FILE`: a PKCS #8 PEM Ed25519 private key, mounted from a Secret (required);
 * - `PORT`: where it listens. @default 8080
 * It prints the public key it proves (the `proofKey` of the registration) once, and stops on SIGTERM or SIGINT.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { rawPublicKey } from "../../core/ed25519-key.ts";
import { isMainModule } from "../../core/main-module.ts";
import { clusterNameProblem, ipFromClusterId } from "../../core/naming.ts";
import { createResponder } from "./responder.ts";

export interface ResponderSettings {
  readonly clusterId: string;
  readonly privateKey: KeyObject;
  readonly keyFile: string;
  readonly proofKey: string;
  readonly port: number;
}

/** Read and check the settings; every problem names the variable and what it should hold. */
export function responderSettings(env: NodeJS.ProcessEnv): ResponderSettings {
  const clusterId = env["SKIPPER_CLUSTER_ID"] ?? "";
  if (clusterId === "") throw new Error("SKIPPER_CLUSTER_ID is not set: the cluster id to answer for, e.g. acme");
  if (ipFromClusterId(clusterId) === undefined) {
    const problem = clusterNameProblem(clusterId);
    if (problem) throw new Error(`SKIPPER_CLUSTER_ID: ${problem} (got ${JSON.stringify(clusterId)})`);
  }
  const keyFile = env["SKIPPER_PROOF_KEY_FILE"] ?? "";
  if (keyFile === "") throw new Error("SKIPPER_PROOF_KEY_FILE is not set: the path of the PKCS #8 PEM Ed25519 key");
  let pem: string;
  try {
    pem = readFileSync(keyFile, "utf8");
  } catch (err) {
    throw new Error(`SKIPPER_PROOF_KEY_FILE: cannot read ${keyFile} (${(err as NodeJS.ErrnoException).code})`);
  }
  let privateKey: KeyObject;
  let proofKey: string;
  try {
    privateKey = createPrivateKey(pem);
    proofKey = rawPublicKey(pem);
  } catch (err) {
    throw new Error(
      `SKIPPER_PROOF_KEY_FILE: ${keyFile} is not a PKCS #8 PEM Ed25519 private key (${(err as Error).message})`,
    );
  }
  const portText = env["PORT"] ?? "8080";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new Error(`PORT: ${JSON.stringify(portText)} must be a whole number from 1 to 65535`);
  }
  return { clusterId, privateKey, keyFile, proofKey, port };
}

if (isMainModule(import.meta.url)) {
  let settings: ResponderSettings;
  try {
    settings = responderSettings(process.env);
  } catch (err) {
    process.stderr.write(`skipper gateway proof: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const server = createResponder(settings);
  server.listen(settings.port, () => {
    process.stdout.write(
      `skipper gateway proof: answering for cluster ${settings.clusterId} on port ${settings.port} (proofKey ${settings.proofKey})\n`,
    );
  });
  const stop = () => server.close(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
