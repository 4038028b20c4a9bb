/** Unrolling (Halide's UnrollLoops): an unrolled loop of constant extent becomes copies of its body. */
import * as ir from '../ir/expr.js';
import { type Stmt, block, ifThen, mapBottomUp } from '../ir/stmt.js';
import { constantUpperBound } from '../ir/interval.js';
import { simplify, substituteStmt } from '../ir/simplify.js';
import { printExpr } from '../ir/printer.js';
import { ScheduleError } from '../schedule/error.js';
import { MAX_UNROLL } from '../schedule/for_kind.js';
import { stageAndAxis } from './loop_names.js';

/** @throws ScheduleError when an unrolled loop's extent is not a constant or exceeds 256 */
export function unrollLoops(s: Stmt): Stmt {
  return mapBottomUp(s, 'for', (y) => {
      if (y.forKind !== 'unrolled') return y;
      const exact = ir.constValue(simplify(y.extent));
      // A bounded extent unrolls to its constant bound, each copy guarded (Halide does the same).
      const ext = exact ?? constantUpperBound(y.extent);
      const [stage, axis] = stageAndAxis(y.v.name);
      if (ext === undefined) {
        throw new ScheduleError('non-constant-extent', stage, axis, `unroll: the extent ${printExpr(y.extent)} is not a constant; use unroll(${axis}, factor) to split by a constant first`);
      }
      if (ext > MAX_UNROLL) throw new ScheduleError('unroll-too-long', stage, axis, `unroll: extent ${ext} exceeds ${MAX_UNROLL}; split it first`);
      const copies: Stmt[] = [];
      for (let i = 0; i < ext; i++) {
        const copy = substituteStmt(y.body, new Map([[y.v, simplify(ir.add(y.min, ir.constant(i)))]]));
        copies.push(exact === undefined ? ifThen(simplify(ir.lt(ir.constant(i), y.extent)), copy) : copy);
      }
      return block(copies);
  });
}
