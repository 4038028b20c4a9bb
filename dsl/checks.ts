/** Checks the definition language applies to names and extents, shared by its files. */
import * as ir from '../ir/expr.js';
import { DefinitionError, type SizeVar, type Term } from './term.js';

/** An identifier: what stage, input, axis and size-variable names must be. */
export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** @throws DefinitionError naming `what` when `name` is not an identifier */
export function checkName(name: string, what: string): void {
  if (!NAME.test(name)) throw new DefinitionError(`${what} name ${JSON.stringify(name)} is not an identifier`);
}

/**
 * An extent as an i32 expression: a positive integer, a size variable or an i32 term.
 * @throws DefinitionError naming `what` for a non-positive or non-integer number or a non-i32 term
 */
export function toExtent(x: number | SizeVar | Term, what: string): ir.Expr {
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < 1) throw new DefinitionError(`${what}: extent ${x} is not a positive integer`);
    return ir.constant(x);
  }
  if (x.dtype !== 'i32') throw new DefinitionError(`${what}: extent must be i32, got ${x.dtype}`);
  return x.expr;
}
