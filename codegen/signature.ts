/**
 * The calling convention of a lowered function as the runtime's plain-JSON KernelSignature: buffer
 * arguments with their dtypes and shapes as small expressions over the size parameters.
 */
import type * as ir from '../ir/expr.js';
import type { LoweredFunc } from '../ir/stmt.js';
import type { DType } from '../ir/dtype.js';
import { printExpr } from '../ir/printer.js';
import type { KernelSignature, ShapeExpr } from '../runtime/signature.js';
import { KERNEL_ENTRY } from '../runtime/abi.js';

export class SignatureError extends Error {
  override name = 'SignatureError';
}

const SHAPE_OPS = new Set(['add', 'sub', 'mul', 'div', 'min', 'max']);

/** @throws SignatureError when a shape extent is not arithmetic on constants and size variables */
export function shapeExprOf(e: ir.Expr): ShapeExpr {
  if (e.kind === 'const') return e.value;
  if (e.kind === 'var') return e.v.name;
  if (e.kind === 'binary' && SHAPE_OPS.has(e.op)) return { op: e.op as 'add', a: shapeExprOf(e.a), b: shapeExprOf(e.b) };
  throw new SignatureError(`the shape extent ${printExpr(e)} is not arithmetic on size variables`);
}

/** The signature of `f`'s kernel, entry KERNEL_ENTRY (runtime/abi.ts). */
export function kernelSignature(f: LoweredFunc, messages: readonly string[] = [], mathImports: readonly string[] = []): KernelSignature {
  return {
    name: f.name, entry: KERNEL_ENTRY, params: f.params.map((p) => p.name), messages, mathImports,
    args: f.args.map((a) => ({ name: a.buffer.name, dtype: a.buffer.dtype as Exclude<DType, 'bool'>, role: a.role, shape: a.shape.map(shapeExprOf) })),
  };
}
