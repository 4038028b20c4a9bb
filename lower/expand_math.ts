/**
 * Math expansion: every f32 call of exp, log, tanh, sigmoid or erf becomes the arithmetic of its
 * approximation (ir/math/), scalar or vector alike, so that the backends compute it inline (SIMD on
 * WebAssembly, vector ops in WGSL) with the same bits as constant folding and the reference
 * evaluator; f64 sigmoid becomes the arithmetic of its definition in ir/ops.ts, whose f64 exp stays a host Math
 * call. It runs
 * last, after common-subexpression elimination and loop-invariant hoisting have seen each call as one
 * node, and it expands every occurrence afresh so that no let variable is bound twice.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, mapStmtExprs } from '../ir/stmt.js';
import { f32Approximation } from '../ir/math/approximations.js';
import { irAlgebra } from '../ir/math/ir_algebra.js';

function expand(e: ir.Expr): ir.Expr {
  const x = ir.mapChildren(e, expand);
  if (x.kind !== 'call') return x;
  const arg = x.args[0]!;
  if (x.dtype === 'f32') {
    const approximation = f32Approximation(x.fn);
    return approximation ? approximation(irAlgebra(x.lanes), arg) : x;
  }
  if (x.fn === 'sigmoid') {
    // ir/ops.ts's f64 definition: (x < 0 ? e : 1) / (1 + e) with e = exp(-|x|).
    const c = (v: number) => ir.constant(v, x.dtype, x.lanes);
    const xv = new ir.Var('sigmoid_x', x.dtype, x.lanes), ev = new ir.Var('sigmoid_e', x.dtype, x.lanes);
    const e = ir.varRef(ev), xr = ir.varRef(xv);
    return ir.letIn(xv, arg, ir.letIn(ev, ir.call('exp', [ir.sub(c(0), ir.call('abs', [xr]))]),
      ir.div(ir.select(ir.lt(xr, c(0)), e, c(1)), ir.add(c(1), e))));
  }
  return x;
}

/** Replaces the calls that Tessera defines itself by their arithmetic, everywhere in `s`. */
export function expandMathFunctions(s: Stmt): Stmt {
  return mapStmtExprs(s, expand);
}
