/**
 * Fault injection for the measurer: a Builder that builds most candidates with the real worker pool,
 * but gives chosen traces a kernel with a fault planted in its lowered function, compiled by the real
 * code generator: one that traps (a store far outside memory), one that never ends (the body inside
 * two loops of 2^31 - 1 iterations), one that writes a wrong value, and two that ask for a gigabyte of
 * stack (one the memory check sees before running, one it is hidden from, so memory.grow fails in the
 * kernel). The runner and the measurer meet them as they would meet a compiler bug.
 */
import * as ir from '../../ir/expr.js';
import { type LoweredFunc, allocate, block, forLoop, store } from '../../ir/stmt.js';
import { lower } from '../../lower/lower.js';
import { compileToWasm } from '../../codegen/wasm/module.js';
import { Schedule } from '../../schedule/schedule.js';
import type { Instruction } from '../../schedule/instruction.js';
import type { Builder, BuildOutcome } from '../../autotune/builder.js';
import { outOfMemoryMessages, type BuildOptions } from '../../autotune/build.js';
import { loweredHash } from '../../autotune/lowered_hash.js';
import { memoryDemandBytes } from '../../autotune/memory_demand.js';
import type { Workload } from '../../autotune/workload.js';

export type Fault = 'trap' | 'hang' | 'wrong' | 'oom' | 'hidden-oom';

/** `f` with `fault` planted; the first output is the buffer the faults write. */
export function plantFault(f: LoweredFunc, fault: Fault): LoweredFunc {
  const out = f.args.find((a) => a.role === 'output')!.buffer;
  const zero = ir.constant(0, out.dtype);
  let body = f.body;
  switch (fault) {
    case 'trap': body = block([store(out, ir.constant(1 << 29), zero), body]); break;
    case 'hang': body = forLoop(new ir.Var('forever_a'), ir.constant(0), ir.constant(2147483647), 'serial', forLoop(new ir.Var('forever_b'), ir.constant(0), ir.constant(2147483647), 'serial', body)); break;
    case 'wrong': body = block([body, store(out, ir.constant(0), ir.constant(12345, out.dtype))]); break;
    case 'oom': case 'hidden-oom': {
      const huge = new ir.Buffer('huge', 'f32');
      body = allocate(huge, ir.constant(1 << 28), 'stack', block([store(huge, ir.constant(0), ir.constant(1, 'f32')), body]));
      break;
    }
  }
  return { ...f, body };
}

export class FaultyBuilder implements Builder {
  constructor(
    private readonly real: Builder,
    private readonly workload: Workload,
    private readonly options: BuildOptions,
    /** Fault by JSON of the trace, or a function of the trace (undefined: built for real). */
    faults: ReadonlyMap<string, Fault> | ((trace: readonly Instruction[]) => Fault | undefined),
  ) {
    this.faultOf = typeof faults === 'function' ? faults : (t) => faults.get(JSON.stringify(t));
  }

  private readonly faultOf: (trace: readonly Instruction[]) => Fault | undefined;

  async build(traces: readonly (readonly Instruction[])[], options?: BuildOptions): Promise<BuildOutcome[]> {
    const planted = traces.map((t) => this.faultOf(t));
    const real = await this.real.build(traces.filter((_, i) => !planted[i]), options);
    return traces.map((t, i) => {
      const fault = planted[i];
      if (!fault) return real.shift()!;
      const p = this.workload.pipeline;
      const f = plantFault(lower(p, Schedule.replay(p, t)).func, fault);
      const art = compileToWasm(f, { fma: this.options.fma, threads: this.options.threads > 1 });
      const memoryBytes = fault === 'hidden-oom' ? 0 : memoryDemandBytes(f, this.workload.sizes, this.options.threads);
      return { status: 'ok', kind: 'wasm-simd', binary: art.binary, signature: art.signature, loweredHash: loweredHash(f), compileSeconds: 0, memoryBytes, oomMessages: outOfMemoryMessages(f, art.signature) };
    });
  }

  close(): Promise<void> { return this.real.close(); }
}
