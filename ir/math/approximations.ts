/**
 * The table of math functions that Tessera defines by its own f32 approximations rather than by the
 * host's Math: one entry per function, each written once over the algebra of ./algebra.ts. Constant
 * folding and the reference evaluator evaluate an entry on numbers (ir/ops.ts evalCall); lowering
 * replaces each f32 call by the entry's expression (lower/expand_math.ts), so WebAssembly (scalar and
 * SIMD), WGSL and the IR interpreter all compute the same arithmetic.
 */
import type { MathFn } from '../expr.js';
import type { F32Approximation } from './algebra.js';
import { expF32 } from './exp.js';
import { logF32 } from './log.js';
import { tanhF32 } from './tanh.js';
import { sigmoidF32 } from './sigmoid.js';
import { erfF32 } from './erf.js';

export const F32_APPROXIMATIONS: Readonly<Partial<Record<MathFn, F32Approximation>>> = {
  exp: expF32,
  log: logF32,
  tanh: tanhF32,
  sigmoid: sigmoidF32,
  erf: erfF32,
};

/** The approximation that defines `fn` on f32, if Tessera has its own. */
export function f32Approximation(fn: MathFn): F32Approximation | undefined {
  return Object.hasOwn(F32_APPROXIMATIONS, fn) ? F32_APPROXIMATIONS[fn] : undefined;
}
