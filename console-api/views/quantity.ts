/**
 * Kubernetes resource quantities as the API reports them (`250m`, `2`, `4026680Ki`, `1.5Gi`, `1e3`, or a plain
 * number) as numbers in base units; the parsing is the validator's (`core/validate/values.ts`).
 */
import { parseQuantity as parseQuantityText } from "../../core/validate/values.ts";

/** The value of a quantity in base units, or undefined when it is not one (blanks around it are ignored). */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === "number") return q;
  return parseQuantityText(q.trim());
}

export const millicores = (q: string | number | undefined): number => Math.round((parseQuantity(q) ?? 0) * 1000);
export const bytes = (q: string | number | undefined): number => Math.round(parseQuantity(q) ?? 0);
