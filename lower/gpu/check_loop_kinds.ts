/**
 * Loop kinds the webgpu target cannot run as scheduled, refused before lowering goes on: `parallel`
 * (a CPU thread-pool loop: bind the loop with gpuBlocks/gpuThreads instead) and vectorized loops
 * wider than WGSL's widest vector, vec4 (WGSL §6.2.6).
 */
import { constValue } from '../../ir/expr.js';
import { type Stmt, walkStmt } from '../../ir/stmt.js';
import { ScheduleError } from '../../schedule/error.js';
import { stageAndAxis } from '../loop_names.js';

export const MAX_WGSL_LANES = 4;

/** @throws ScheduleError naming the stage and loop */
export function checkGpuLoopKinds(s: Stmt): void {
  walkStmt(s, (x) => {
    if (x.kind !== 'for') return;
    const [stage, axis] = stageAndAxis(x.v.name);
    if (x.forKind === 'parallel') {
      throw new ScheduleError('gpu-loop-kind', stage, axis, 'parallel is a CPU loop kind; on the webgpu target bind the loop to the GPU with gpuBlocks or gpuThreads (or make it serial)');
    }
    if (x.forKind === 'vectorized') {
      const lanes = constValue(x.extent);
      if (lanes === undefined || lanes > MAX_WGSL_LANES) {
        throw new ScheduleError('vector-too-wide', stage, axis, `vectorize: ${lanes ?? 'a symbolic number of'} lanes; WGSL vectors have at most ${MAX_WGSL_LANES} (vec4): vectorize by 2, 3 or 4 on the webgpu target`);
      }
    }
  });
}
