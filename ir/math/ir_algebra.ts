/**
 * The IR instance of the f32 algebra: builds the expression that computes an approximation, for
 * values of `lanes` lanes (constants are broadcast). Shared values become expression lets, so the
 * argument and each intermediate are computed once.
 */
import * as ir from '../expr.js';
import type { F32Algebra } from './algebra.js';

/** The algebra over f32 / i32 / bool expressions of `lanes` lanes. */
export function irAlgebra(lanes: number): F32Algebra<ir.Expr, ir.Expr, ir.Expr> {
  const f32 = (v: number) => ir.constant(v, 'f32', lanes);
  const i32 = (v: number) => ir.constant(v, 'i32', lanes);
  const bind = (name: string, value: ir.Expr, body: (v: ir.Expr) => ir.Expr): ir.Expr => {
    if (value.kind === 'var' || value.kind === 'const' || value.kind === 'broadcast') return body(value);
    const v = new ir.Var(name, value.dtype, value.lanes);
    return ir.letIn(v, value, body(ir.varRef(v)));
  };
  return {
    f32,
    i32,
    add: ir.add,
    sub: ir.sub,
    mul: ir.mul,
    div: ir.div,
    min: ir.min,
    max: ir.max,
    floor: (a) => ir.call('floor', [a]),
    abs: (a) => ir.call('abs', [a]),
    lt: ir.lt,
    le: ir.le,
    eq: ir.eq,
    select: ir.select,
    selectInt: ir.select,
    addInt: ir.add,
    subInt: ir.sub,
    andInt: (a, b) => ir.binary('and', a, b),
    orInt: (a, b) => ir.binary('or', a, b),
    shiftLeft: (a, bits) => ir.binary('shl', a, i32(bits)),
    shiftRight: (a, bits) => ir.binary('shr', a, i32(bits)),
    toInt: (a) => ir.cast('i32', a),
    toFloat: (a) => ir.cast('f32', a),
    bitsOf: (a) => ir.reinterpret('i32', a),
    fromBits: (a) => ir.reinterpret('f32', a),
    letF: bind,
    letI: bind,
  };
}
