/** Param and reply schemas shared by the route files (bodies and replies themselves are in core/console/api.ts). */
import { errorSchema, PROJECT_NAME } from "../../core/console/api.ts";

/** A Kubernetes object name as it appears in a URL (DNS-1123 label). */
const objectName = { type: "string", pattern: PROJECT_NAME, maxLength: 63 } as const;

export const projectParams = {
  type: "object",
  additionalProperties: false,
  properties: { project: objectName },
  required: ["project"],
} as const;

export const appParams = {
  type: "object",
  additionalProperties: false,
  properties: { project: objectName, app: objectName },
  required: ["project", "app"],
} as const;

export const serviceParams = {
  type: "object",
  additionalProperties: false,
  properties: { project: objectName, service: objectName },
  required: ["project", "service"],
} as const;

export const emailParams = {
  type: "object",
  additionalProperties: false,
  properties: { email: { type: "string", minLength: 3, maxLength: 254 } },
  required: ["email"],
} as const;

/** Reply schemas: the success body, and `{error}` for every failure. */
export function replies(ok: object, status = 200): Record<string, object> {
  return { [status]: ok, "4xx": errorSchema, "5xx": errorSchema };
}

export const noContent = { 204: { type: "null" }, "4xx": errorSchema, "5xx": errorSchema };
