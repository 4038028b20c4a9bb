/**
 * The calling convention of a compiled kernel, as plain JSON: what the runtime needs to call the
 * WebAssembly function without the compiler. Shapes are small expressions over the size parameters.
 */
import type { StorageDType } from './dtype.js';

/** A shape extent: a constant, a size parameter, or arithmetic on them (floor division). */
export type ShapeExpr =
  | number
  | string
  | { readonly op: 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max'; readonly a: ShapeExpr; readonly b: ShapeExpr };

export interface ArgSpec {
  readonly name: string;
  readonly dtype: StorageDType;
  readonly role: 'input' | 'output';
  /** Outermost first; row-major with the last dimension contiguous. */
  readonly shape: readonly ShapeExpr[];
}

export interface KernelSignature {
  readonly name: string;
  /** Exported function: (scratchAddress, ...params, ...argAddresses) -> void, all i32 (runtime/abi.ts). */
  readonly entry: string;
  readonly params: readonly string[];
  readonly args: readonly ArgSpec[];
  /** Messages of asserts and runtime failures, by the index the kernel passes to env.abort. */
  readonly messages: readonly string[];
  /** Host Math functions the module imports (module "Math"). */
  readonly mathImports: readonly string[];
  /**
   * Exported parallel-loop tasks, by the index env.parallel_for receives; when present the module
   * imports a shared memory.
   */
  readonly tasks?: readonly string[];
  /**
   * Whether the module imports a shared memory although it has no tasks (compiled with
   * `sharedMemory`, to run over one memory with threaded kernels). Absent: shared exactly when it has tasks.
   */
  readonly sharedMemory?: boolean;
  /**
   * How the kernel computes f32 vector a * b + c: 'relaxed' with f32x4.relaxed_madd (WebAssembly
   * relaxed SIMD; the runtime refuses to load it on an engine without), 'none' as a multiply then an
   * add. Absent means 'none'.
   */
  readonly fma?: 'relaxed' | 'none';
}

/** Evaluates a shape expression with bound parameters. @throws Error for an unbound parameter */
export function evalShape(e: ShapeExpr, params: ReadonlyMap<string, number>): number {
  if (typeof e === 'number') return e;
  if (typeof e === 'string') {
    const v = params.get(e);
    if (v === undefined) throw new Error(`size ${e} is not bound`);
    return v;
  }
  const a = evalShape(e.a, params), b = evalShape(e.b, params);
  switch (e.op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return Math.floor(a / b);
    case 'min': return Math.min(a, b);
    case 'max': return Math.max(a, b);
  }
}
