/**
 * Checks, at the top of the kernel, that the region each input is read over and each output is written
 * over lies inside its shape (Halide's AddImageChecks). Conditions over size parameters become
 * asserts; conditions known false at compile time are errors now.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, assertStmt, block } from '../ir/stmt.js';
import { simplify } from '../ir/simplify.js';
import { printExpr } from '../ir/printer.js';
import { ScheduleError } from '../schedule/error.js';
import { boxTouched } from './bounds.js';

export interface CheckedBuffer {
  readonly func: ir.FuncRef;
  readonly shape: readonly ir.Expr[];
  readonly role: 'input' | 'output' | 'output read';
}

/**
 * @returns `s` preceded by asserts on the accessed regions
 * @throws ScheduleError when a region is unbounded, or provably outside the shape
 */
export function addBoundsChecks(s: Stmt, buffers: readonly CheckedBuffer[], params: readonly ir.Var[]): Stmt {
  const checks: Stmt[] = [];
  const nonNegative = new Set(params);
  for (const b of buffers) {
    const isIn = b.role !== 'output';
    const box = boxTouched(s, { func: b.func, reads: isIn, writes: !isIn, nonNegative });
    if (!box) continue;
    const verb = isIn ? 'read' : 'written';
    const role = b.role === 'output read' ? 'output' : b.role;
    box.forEach((iv, d) => {
      if (!iv.min || !iv.max) {
        throw new ScheduleError('unbounded-region', b.func.name, undefined, `${b.role} ${b.func.name} is ${verb} at an unbounded index in dimension ${d} (it depends on loaded data); clamp the index in the definition`);
      }
      const extent = b.shape[d]!;
      const hint = b.role === 'input'
        ? 'the definition reads outside the input; add a boundary condition (repeatEdge, constantExterior)'
        : b.role === 'output read'
          ? 'outputs are computed over their shape only; read it through a boundary condition (repeatEdge(...)) or from a non-output stage with the same definition'
          : `a split with tail round_up or shift_inwards writes outside the output; use tail 'guard' (or a size that is a multiple of / at least the split factor)`;
      const msg = `${role} ${b.func.name} is ${verb} over [${printExpr(iv.min)}, ${printExpr(iv.max)}] in dimension ${d}, outside its extent ${printExpr(extent)}: ${hint}`;
      const cond = simplify(ir.and(ir.le(ir.constant(0), iv.min), ir.lt(iv.max, extent)));
      const known = ir.constValue(cond);
      if (known === 1) return;
      if (known === 0) throw new ScheduleError('outside-shape', b.func.name, undefined, msg);
      checks.push(assertStmt(cond, msg));
    });
  }
  return block([...checks, s]);
}
