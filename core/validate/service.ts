/**
 * Validation of one stateful service (`services.<name>`): engine from the catalogue, version tag, volume size,
 * resources, project. Defaults come from the engine's catalogue entry.
 */
import { ENGINES, engineEntry, isEngine } from "../catalogue.ts";
import type { Service } from "../model.ts";
import { DEFAULT_PROJECT } from "../spec.ts";
import {
  checkBoolean,
  checkDnsLabel,
  checkProject,
  checkQuantity,
  checkResources,
  checkTag,
  isRecord,
  type Problems,
} from "./values.ts";

/**
 * A StatefulSet's pods carry the label `controller-revision-hash: <name>-<hash>`, which must fit a 63-character
 * label value, so Kubernetes effectively limits StatefulSet names to 52 characters.
 */
export const MAX_SERVICE_NAME = 52;

export function validateService(name: string, value: unknown, p: Problems): Service | undefined {
  const field = `services.${name}`;
  const okName = checkDnsLabel(name, field, p) !== undefined;
  if (okName && name.length > MAX_SERVICE_NAME) {
    p.add(
      field,
      `must be at most ${MAX_SERVICE_NAME} characters: a StatefulSet's revision label adds 11 to its name`,
      name,
    );
  }
  if (!isRecord(value)) {
    p.add(field, "must be an object such as { engine: 'postgres' }", value);
    return undefined;
  }
  if (!isEngine(value["engine"])) {
    p.add(`${field}.engine`, `must be one of ${ENGINES.join(", ")}`, value["engine"]);
    return undefined;
  }
  const entry = engineEntry(value["engine"]);
  const version =
    value["version"] === undefined ? entry.defaultVersion : (checkTag(value["version"], `${field}.version`, p) ?? "");
  const storage =
    value["storage"] === undefined
      ? entry.defaultStorage
      : (checkQuantity(value["storage"], "bytes", `${field}.storage`, p) ?? entry.defaultStorage);
  const project = checkProject(value["project"], DEFAULT_PROJECT, `${field}.project`, p);
  const resources = checkResources(value["resources"], entry.defaultResources, `${field}.resources`, p);
  const deleteDataOnDestroy = checkBoolean(value["deleteDataOnDestroy"], false, `${field}.deleteDataOnDestroy`, p);
  if (p.hasAt(field)) return undefined;
  return {
    name,
    engine: entry.engine,
    version,
    image: `${entry.image}:${version}`,
    port: entry.port,
    storage,
    project,
    namespace: project,
    resources,
    deleteDataOnDestroy,
  };
}
