/**
 * Reading kernel inputs from operator definitions. A kernel holds a tensor in its kernel dtype
 * (graph/ir.ts kernelDType) with its ONNX shape, except that a rank-0 tensor (a scalar) is held with
 * shape [1], inputs and outputs alike (`kernelShape`): a kernel argument has at least one dimension,
 * and a GPU kernel at least one loop to bind.
 */
import type { Func } from '../dsl/func.js';
import { Term, lift, select } from '../dsl/term.js';
import { constValue } from '../ir/expr.js';
import type { OpContext } from './op.js';
import { fail } from './attributes.js';

/** The shape a kernel argument holding a tensor of `shape` has: [1] for a scalar, else `shape`. */
export const kernelShape = (shape: readonly number[]): number[] => (shape.length ? [...shape] : [1]);

/** The constant extents of a Func (every operator shape is static). @throws Error when one is symbolic */
export function extentsOf(f: Func): number[] {
  return f.shape.map((e, d) => {
    const c = constValue(e);
    if (c === undefined) throw new Error(`${f.name}: dimension ${d} has no constant extent; operator kernels are compiled for static shapes`);
    return c;
  });
}

/**
 * Input `i` of a definition, checked against its type: present, with the kernel shape of
 * `ctx.inputs[i]`.
 * @throws OpError when absent; Error when the Func's shape disagrees (a model compiler bug)
 */
export function inputFunc(ctx: OpContext, inputs: readonly (Func | undefined)[], i: number, what: string): Func {
  const f = inputs[i], t = ctx.inputs[i];
  if (!f || !t) fail(ctx, `input ${i} (${what}) is required`);
  const want = kernelShape(t.shape), got = extentsOf(f);
  if (want.join(',') !== got.join(',')) throw new Error(`${ctx.node.name}: input ${i} (${what}) is a Func of shape [${got.join(', ')}], its type says [${want.join(', ')}]`);
  return f;
}

/**
 * The element of `f` (holding a tensor of ONNX shape `shape`) that numpy broadcasting puts at output
 * coordinates `out` (ONNX Broadcasting.md): trailing axes aligned, axes of extent 1 read at 0.
 */
export function broadcastAt(f: Func, shape: readonly number[], out: readonly Term[]): Term {
  if (shape.length === 0) return f.at(...f.shape.map(() => 0));
  const lead = out.length - shape.length;
  return f.at(...shape.map((e, d) => (e === 1 ? lift(0) : out[lead + d]!)));
}

/** Axis names of a stage of rank `rank`: d0, d1, ... */
export const axisNames = (rank: number): string[] => Array.from({ length: rank }, (_, d) => `d${d}`);

/** `x` (an i32 term) clamped into [0, extent - 1]: the index form bound inference can bound. */
export const clampIndex = (x: Term, extent: number): Term => x.clamp(0, extent - 1);

/** A bool (comparison) as the kernel form of ONNX bool: u8 0 or 1. */
export const boolToU8 = (c: Term): Term => select(c, lift(1, 'u8'), lift(0, 'u8'));
