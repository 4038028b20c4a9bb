/**
 * Lowering: a pipeline and its schedule to one loop-IR function, pass by pass (Halide's Lower.cpp).
 * Set TESSERA_DEBUG_LOWER=1 (or pass `debug`) to print the IR after every pass.
 */
import * as ir from '../ir/expr.js';
import { type LoweredFunc, type Stmt, type BufferArg, block, letStmt } from '../ir/stmt.js';
import { simplifyStmt } from '../ir/simplify.js';
import { printStmt } from '../ir/printer.js';
import { verify } from '../ir/verify.js';
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import { scheduleFunctions } from './schedule_functions.js';
import { addBoundsChecks } from './bounds_checks.js';
import { checkRaces } from './check_races.js';
import { substituteLets } from './substitute_lets.js';
import { type FlatLayout, flattenStorage, tensorLayout } from './storage_flattening.js';
import { storageMaps } from './storage_layout.js';
import { unrollLoops } from './unroll.js';
import { vectorizeLoops } from './vectorize.js';
import { promoteRegisters } from './promote_registers.js';
import { hoistLoopInvariants } from './hoist_invariants.js';
import { partitionLoops } from './partition_loops.js';
import { removeProvenClamps } from './remove_proven_clamps.js';
import { eliminateCommonSubexpressions } from './cse.js';
import { checkGpuLoopKinds } from './gpu/check_loop_kinds.js';
import { expandMathFunctions } from './expand_math.js';

export interface LowerOptions {
  /** Called with each pass's name and its output as text; `true` prints to stderr. */
  readonly debug?: boolean | ((pass: string, ir: string) => void);
  readonly name?: string;
  /** 'cpu' (default) or 'gpu': the GPU refuses loop kinds it cannot run before lowering goes on. */
  readonly device?: 'cpu' | 'gpu';
}

export interface Lowered {
  readonly func: LoweredFunc;
  /** Things the schedule asked for that lowering could not do as asked (e.g. a loop left serial). */
  readonly notes: readonly string[];
}

/**
 * Lowers `p` scheduled by `sch` (default: the default schedule).
 * @returns the lowered function: params are the pipeline's size variables; args its inputs then its
 *   outputs, each a dense row-major buffer
 * @throws ScheduleError for schedules that cannot be lowered (the message names stage, axis, reason)
 */
export function lower(p: Pipeline, sch: Schedule = new Schedule(p), options: LowerOptions = {}): Lowered {
  const envDebug = typeof process !== 'undefined' && process.env?.TESSERA_DEBUG_LOWER;
  const debug = options.debug ?? (envDebug ? true : undefined);
  const show = (pass: string, s: Stmt) => {
    if (!debug) return;
    const text = printStmt(s);
    if (typeof debug === 'function') debug(pass, text);
    else process.stderr.write(`--- after ${pass} ---\n${text}`);
  };
  const notes: string[] = [];
  const run = (pass: string, f: () => Stmt): Stmt => { const s = f(); show(pass, s); return s; };

  const scheduled = scheduleFunctions(p, sch);
  let s = run('schedule functions and bound inference', () => scheduled.stmt);
  checkRaces(s);
  if (options.device === 'gpu') checkGpuLoopKinds(s);
  const outputs = p.outputs.map((o) => scheduled.funcs.get(o.name)!);
  s = run('bounds checks', () => block([...scheduled.outputChecks, addBoundsChecks(s, [
    ...p.inputs.map((f) => ({ func: f as ir.FuncRef, shape: f.shape, role: 'input' as const })),
    ...p.outputs.map((o, i) => ({ func: outputs[i]!, shape: o.shape, role: 'output' as const })),
    // An output is computed over its shape only; a stage that reads it must stay inside.
    ...p.outputs.map((o, i) => ({ func: outputs[i]!, shape: o.shape, role: 'output read' as const })),
  ], p.params)]));
  s = run('substitute axis lets', () => substituteLets(s, scheduled.axisVars));

  const strideLets: [ir.Var, ir.Expr][] = [];
  const layouts = new Map<ir.FuncRef, FlatLayout>();
  const args: BufferArg[] = [];
  const addTensor = (f: ir.FuncRef, shape: readonly ir.Expr[], role: 'input' | 'output') => {
    const buffer = new ir.Buffer(f.name, f.dtype);
    layouts.set(f, tensorLayout(buffer, shape, (v, e) => strideLets.push([v, e])));
    args.push({ buffer, role, shape });
  };
  p.inputs.forEach((f) => addTensor(f, f.shape, 'input'));
  p.outputs.forEach((o, i) => addTensor(outputs[i]!, o.shape, 'output'));
  s = run('storage flattening', () => {
    let t = flattenStorage(s, layouts, storageMaps(sch, scheduled.funcs));
    for (const [v, e] of strideLets.reverse()) t = letStmt(v, e, t);
    return t;
  });
  s = run('simplify', () => simplifyStmt(s));
  s = run('unroll', () => unrollLoops(s));
  s = run('vectorize', () => vectorizeLoops(s, notes));
  s = run('unroll the lane-by-lane fallbacks', () => unrollLoops(s));
  s = run('simplify', () => simplifyStmt(block([s])));
  s = run('partition loops', () => partitionLoops(s));
  s = run('remove proven clamps', () => simplifyStmt(removeProvenClamps(s, new Set(p.params))));
  s = run('common subexpressions', () => eliminateCommonSubexpressions(s));
  s = run('promote registers', () => promoteRegisters(s));
  s = run('hoist loop invariants', () => simplifyStmt(hoistLoopInvariants(s)));
  s = run('expand math functions', () => expandMathFunctions(s));
  const func: LoweredFunc = { name: options.name ?? p.outputs.map((o) => o.name).join('_'), body: s, params: p.params, args };
  verify(func);
  return { func, notes };
}
