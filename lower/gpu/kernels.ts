/**
 * Splits a function lowered for the GPU into what the host does and the kernels it launches
 * (Halide's host/device split in CodeGen_GPU_Host): every loop nest whose outer loops are bound with
 * gpuBlocks becomes one kernel, dispatched over a grid of workgroups, one per block-loop iteration.
 * Around the kernels only host work may remain: size lets (substituted into the kernels), run-time
 * checks on sizes, and the allocation of stages computed at root (device buffers). A loop the host
 * would have to run is refused, as is a block loop nested inside a thread or serial loop.
 */
import * as ir from '../../ir/expr.js';
import { type Stmt, type LoweredFunc, walkStmt, stmtExprs } from '../../ir/stmt.js';
import { simplify, substituteStmt } from '../../ir/simplify.js';
import { printExpr } from '../../ir/printer.js';
import { ScheduleError } from '../../schedule/error.js';
import { stageAndAxis } from '../loop_names.js';

/** One compute shader: a statement whose outermost loops are the block loops. */
export interface KernelNest {
  readonly name: string;
  /** The block loops' variables, dimension x first. */
  readonly blockVars: readonly ir.Var[];
  /** Workgroups per dimension, x first: expressions over the size parameters only. */
  readonly grid: readonly ir.Expr[];
  /** Starts at the outermost block loop; host lets already substituted. */
  readonly body: Stmt;
}

export type HostStep =
  | { readonly kind: 'assert'; readonly cond: ir.Expr; readonly message: string }
  | { readonly kind: 'launch'; readonly kernel: KernelNest };

export interface HostProgram {
  readonly steps: readonly HostStep[];
  /** Stages computed at root: device buffers of `size` elements (an expression over the sizes). */
  readonly intermediates: readonly { readonly buffer: ir.Buffer; readonly size: ir.Expr }[];
}

const noLoopsMessage = 'the webgpu target runs every loop on the GPU: bind it with gpuBlocks (or gpuTile), or move it inside the block loops';

/**
 * @param f a function lowered with `device: 'gpu'`
 * @throws ScheduleError naming the stage and loop for a loop or store outside every kernel, block
 *   loops that are not the outermost loops of their nest, or a grid extent that depends on a block
 *   loop
 */
export function splitHostAndKernels(f: LoweredFunc): HostProgram {
  const steps: HostStep[] = [];
  const intermediates: { buffer: ir.Buffer; size: ir.Expr }[] = [];
  const lets = new Map<ir.Var, ir.Expr>();
  const names = new Map<string, number>();
  const kernelName = (stage: string) => {
    const n = names.get(stage) ?? 0;
    names.set(stage, n + 1);
    return n === 0 ? stage : `${stage}_${n}`;
  };
  const host = (s: Stmt, producing: string): void => {
    switch (s.kind) {
      case 'letStmt': lets.set(s.v, simplify(ir.substitute(s.value, lets))); host(s.body, producing); return;
      case 'block': s.stmts.forEach((x) => host(x, producing)); return;
      case 'produce': host(s.body, s.func.name); return;
      case 'allocate':
        intermediates.push({ buffer: s.buffer, size: simplify(ir.substitute(s.size, lets)) });
        host(s.body, producing);
        return;
      case 'assert': steps.push({ kind: 'assert', cond: simplify(ir.substitute(s.cond, lets)), message: s.message }); return;
      case 'for': {
        const [stage, axis] = stageAndAxis(s.v.name);
        if (s.forKind !== 'gpu_block') throw new ScheduleError('gpu-host-code', stage, axis, `the ${s.forKind} loop ${s.v.name} is outside every GPU kernel; ${noLoopsMessage}`);
        const body = substituteStmt(s, lets);
        steps.push({ kind: 'launch', kernel: { name: kernelName(producing || stage), ...gridOf(body as Stmt & { kind: 'for' }), body } });
        return;
      }
      case 'store': throw new ScheduleError('gpu-host-code', s.buffer.name, undefined, `it is written outside every GPU kernel (a stage with no loops); ${noLoopsMessage}`);
      case 'if': throw new ScheduleError('gpu-host-code', producing || '(pipeline)', undefined, `a condition (${printExpr(s.cond)}) would run on the host around a kernel; bind the loops it guards with gpuBlocks`);
      case 'barrier': case 'provide': case 'realize':
        throw new Error(`internal: ${s.kind} at host level`);
    }
  };
  host(f.body, '');
  return { steps, intermediates };
}

/**
 * The chain of block loops from `outer` inward and their grid extents. Block loops must nest
 * directly: only lets and guards may lie between them (work between them would run once per
 * workgroup of the inner loops).
 */
function gridOf(outer: Stmt & { kind: 'for' }): { blockVars: ir.Var[]; grid: ir.Expr[] } {
  const chain: (Stmt & { kind: 'for' })[] = [];
  const inKernelLets = new Map<ir.Var, ir.Expr>();
  let inner: Stmt = outer;
  for (;;) {
    chain.push(inner as Stmt & { kind: 'for' });
    let b: Stmt = (inner as Stmt & { kind: 'for' }).body;
    for (;;) {
      if (b.kind === 'letStmt') { inKernelLets.set(b.v, ir.substitute(b.value, inKernelLets)); b = b.body; }
      else if (b.kind === 'if' && !b.else) b = b.then;
      else break;
    }
    if (b.kind !== 'for' || b.forKind !== 'gpu_block') { inner = b; break; }
    inner = b;
  }
  walkNested(inner, (x, enclosing) => {
    if (x.kind !== 'for' || x.forKind !== 'gpu_block') return;
    const [stage, axis] = stageAndAxis(x.v.name);
    const loop = [...enclosing].reverse().find((e): e is Stmt & { kind: 'for' } => e.kind === 'for');
    const where = loop ? `inside the ${loop.forKind} loop ${loop.v.name}` : `not directly inside the block loop ${chain[chain.length - 1]!.v.name} (other work lies between them)`;
    throw new ScheduleError('gpu-block-placement', stage, axis, `the block loop ${x.v.name} is ${where}; block loops must be the outermost loops of a kernel, directly nested: reorder them, or compute ${stage} at root with its own block loops`);
  });
  if (chain.length > 3) {
    const [stage, axis] = stageAndAxis(chain[0]!.v.name);
    throw new ScheduleError('gpu-too-many-dims', stage, axis, `${chain.length} nested block loops (${chain.map((c) => c.v.name).join(', ')}); the GPU grid has 3 dimensions: fuse some`);
  }
  const blockVars = new Set(chain.map((c) => c.v));
  const grid = chain.map((c) => {
    const extent = simplify(ir.substitute(c.extent, inKernelLets));
    if (ir.usesVar(extent, (v) => blockVars.has(v) || inKernelLets.has(v))) {
      const [stage, axis] = stageAndAxis(c.v.name);
      throw new ScheduleError('gpu-dependent-grid', stage, axis, `the number of workgroups of block loop ${c.v.name} (${printExpr(extent)}) depends on an enclosing block loop; the grid must be known before the kernel runs`);
    }
    return extent;
  });
  return { blockVars: chain.map((c) => c.v).reverse(), grid: grid.reverse() };
}

/** Visits every statement of `s` with the statements that enclose it, outermost first. */
export function walkNested(s: Stmt, f: (s: Stmt, enclosing: readonly Stmt[]) => void, enclosing: Stmt[] = []): void {
  f(s, enclosing);
  enclosing.push(s);
  const kids = s.kind === 'block' ? s.stmts : s.kind === 'if' ? (s.else ? [s.then, s.else] : [s.then])
    : 'body' in s ? [s.body] : [];
  for (const k of kids) walkNested(k, f, enclosing);
  enclosing.pop();
}

/** Buffers and scalar variables `s` uses but does not define. */
export function freeNames(s: Stmt): { buffers: Set<ir.Buffer>; vars: Set<ir.Var> } {
  const buffers = new Set<ir.Buffer>(), vars = new Set<ir.Var>(), defined = new Set<ir.Var>(), allocated = new Set<ir.Buffer>();
  walkStmt(s, (x) => {
    if (x.kind === 'for' || x.kind === 'letStmt') defined.add(x.v);
    if (x.kind === 'allocate') allocated.add(x.buffer);
    if (x.kind === 'store') buffers.add(x.buffer);
    for (const e of stmtExprs(x)) {
      ir.walkExpr(e, (y) => {
        if (y.kind === 'load') buffers.add(y.buffer);
        if (y.kind === 'var') vars.add(y.v);
        if (y.kind === 'let') defined.add(y.v);
      });
    }
  });
  for (const v of defined) vars.delete(v);
  for (const b of allocated) buffers.delete(b);
  return { buffers, vars };
}
