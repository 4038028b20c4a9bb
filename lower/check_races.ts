/**
 * Refuses schedules whose parallel loops (CPU threads, GPU blocks and threads) would race (Halide's
 * rule): a stage stored outside such a loop but computed inside it has every iteration writing one
 * buffer at once.
 */
import type * as ir from '../ir/expr.js';
import type { Stmt } from '../ir/stmt.js';
import { ScheduleError } from '../schedule/error.js';
import { stageAndAxis } from './loop_names.js';

/** @throws ScheduleError naming the stage and the parallel loop */
export function checkRaces(s: Stmt): void {
  const realized: ir.FuncRef[] = [];
  const parallel: { name: string; kind: string; before: ReadonlySet<ir.FuncRef> }[] = [];
  const visit = (x: Stmt): void => {
    switch (x.kind) {
      case 'realize':
        realized.push(x.func);
        visit(x.body);
        realized.pop();
        return;
      case 'for':
        if (x.forKind === 'parallel' || x.forKind === 'gpu_block' || x.forKind === 'gpu_thread') {
          parallel.push({ name: x.v.name, kind: x.forKind, before: new Set(realized) });
          visit(x.body);
          parallel.pop();
        } else visit(x.body);
        return;
      case 'produce': {
        const loop = parallel.find((p) => p.before.has(x.func));
        if (loop) {
          const [stage, axis] = stageAndAxis(loop.name);
          throw new ScheduleError('parallel-race', x.func.name, axis, `${x.func.name} is stored outside the ${loop.kind} loop ${stage}.${axis} but computed inside it: its iterations would write one buffer at once; store it at or inside ${stage}.${axis}, or make that loop serial`);
        }
        visit(x.body);
        return;
      }
      case 'block': x.stmts.forEach(visit); return;
      case 'if': visit(x.then); if (x.else) visit(x.else); return;
      case 'letStmt': case 'allocate': visit(x.body); return;
      default: return;
    }
  };
  visit(s);
}
