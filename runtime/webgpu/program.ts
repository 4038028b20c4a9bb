/**
 * A compiled GPU pipeline as plain JSON: the WGSL of each kernel, how big its grid is, which buffers
 * it binds, the checks the host makes before launching, and the buffers of stages computed at root.
 * The runtime runs it without the compiler (an ahead-of-time artifact is this object).
 */
import type { ArgSpec, ShapeExpr } from '../signature.js';
import { evalShape } from '../signature.js';

export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** A condition on the size parameters. */
export type HostCondition =
  | boolean
  | { readonly op: 'and' | 'or'; readonly a: HostCondition; readonly b: HostCondition }
  | { readonly op: 'not'; readonly a: HostCondition }
  | { readonly op: CmpOp; readonly a: ShapeExpr; readonly b: ShapeExpr };

export interface GpuKernelSpec {
  readonly name: string;
  readonly wgsl: string;
  readonly workgroupSize: readonly [number, number, number];
  /** Workgroups per dimension, x first (one to three entries). */
  readonly grid: readonly ShapeExpr[];
  /** Binding 0 is the uniform block of size parameters when `usesParams`; then these buffers. */
  readonly usesParams: boolean;
  readonly bindings: readonly string[];
}

export interface GpuIntermediate {
  readonly name: string;
  /** Elements, each one 32-bit word. */
  readonly elements: ShapeExpr;
}

export type GpuStep =
  | { readonly kind: 'check'; readonly cond: HostCondition; readonly message: string }
  | { readonly kind: 'launch'; readonly kernel: number };

export interface GpuProgram {
  readonly name: string;
  /** Size parameters, in the uniform block's order. */
  readonly params: readonly string[];
  /** Inputs then outputs, as the caller passes them (8/16-bit tensors are uploaded as their bytes). */
  readonly args: readonly ArgSpec[];
  readonly intermediates: readonly GpuIntermediate[];
  readonly kernels: readonly GpuKernelSpec[];
  readonly steps: readonly GpuStep[];
}

/** Evaluates a host condition with bound sizes. */
export function evalCondition(c: HostCondition, params: ReadonlyMap<string, number>): boolean {
  if (typeof c === 'boolean') return c;
  switch (c.op) {
    case 'and': return evalCondition(c.a, params) && evalCondition(c.b, params);
    case 'or': return evalCondition(c.a, params) || evalCondition(c.b, params);
    case 'not': return !evalCondition(c.a, params);
    default: {
      const a = evalShape(c.a, params), b = evalShape(c.b, params);
      switch (c.op) {
        case 'eq': return a === b;
        case 'ne': return a !== b;
        case 'lt': return a < b;
        case 'le': return a <= b;
        case 'gt': return a > b;
        case 'ge': return a >= b;
      }
    }
  }
}
