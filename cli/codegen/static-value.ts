/**
 * Reading values out of a stack file without running it: a literal expression (string, number, boolean, array,
 * object literal, also under `as const` / `satisfies` / parentheses) becomes plain data; anything else (a call, a
 * variable, `config.get(...)`) is `UNKNOWN`. Objects keep their literal fields and leave the unknown ones out.
 */
import { Node, SyntaxKind } from "ts-morph";

export const UNKNOWN: unique symbol = Symbol("unknown");
export type StaticValue = string | number | boolean | StaticValue[] | { [key: string]: StaticValue };

/** The literal name of a property (`web`, `"web-2"`, `'x'`, 3), or undefined for a computed/spread/method one. */
export function propertyName(node: Node): string | undefined {
  if (!Node.isPropertyAssignment(node)) return undefined;
  const name = node.getNameNode();
  if (Node.isIdentifier(name)) return name.getText();
  if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralValue();
  if (Node.isNumericLiteral(name)) return String(name.getLiteralValue());
  return undefined;
}

/** Strip `( … )`, `… as T`, `… satisfies T` and `…!`. */
export function unwrap(node: Node): Node {
  let n = node;
  for (;;) {
    if (Node.isParenthesizedExpression(n) || Node.isAsExpression(n) || Node.isSatisfiesExpression(n)) {
      n = n.getExpression();
    } else if (Node.isNonNullExpression(n)) n = n.getExpression();
    else return n;
  }
}

export function staticValue(node: Node): StaticValue | typeof UNKNOWN {
  const n = unwrap(node);
  if (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n)) return n.getLiteralValue();
  if (Node.isNumericLiteral(n)) return n.getLiteralValue();
  if (Node.isTrueLiteral(n)) return true;
  if (Node.isFalseLiteral(n)) return false;
  if (Node.isPrefixUnaryExpression(n) && n.getOperatorToken() === SyntaxKind.MinusToken) {
    const v = staticValue(n.getOperand());
    return typeof v === "number" ? -v : UNKNOWN;
  }
  if (Node.isArrayLiteralExpression(n)) {
    const out: StaticValue[] = [];
    for (const el of n.getElements()) {
      const v = staticValue(el);
      if (v === UNKNOWN) return UNKNOWN;
      out.push(v);
    }
    return out;
  }
  if (Node.isObjectLiteralExpression(n)) {
    const out: Record<string, StaticValue> = {};
    for (const p of n.getProperties()) {
      const key = propertyName(p);
      if (key === undefined || !Node.isPropertyAssignment(p)) continue;
      const v = staticValue(p.getInitializerOrThrow());
      // defineProperty: a key such as `__proto__` is data here, not the object's prototype.
      if (v !== UNKNOWN)
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return UNKNOWN;
}
