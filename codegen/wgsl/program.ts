/**
 * The GPU program of a lowered pipeline: one WGSL shader per kernel, with its grid and bindings, and
 * the host's steps (checks on the sizes, launches in order) as plain JSON for runtime/webgpu.
 */
import * as ir from '../../ir/expr.js';
import type { ShapeExpr } from '../../runtime/signature.js';
import type { GpuProgram, HostCondition, GpuKernelSpec } from '../../runtime/webgpu/program.js';
import type { GpuLowered } from '../../lower/gpu/lower_gpu.js';
import { printExpr } from '../../ir/printer.js';
import { kernelSignature, shapeExprOf } from '../signature.js';
import { emitKernel } from './kernel_emitter.js';
import { WgslCodegenError } from './types.js';

function hostShape(e: ir.Expr, what: string): ShapeExpr {
  try {
    return shapeExprOf(e);
  } catch {
    throw new WgslCodegenError('gpu-host-code', `${what} (${printExpr(e)}) cannot be computed on the host: it is not arithmetic on the sizes`);
  }
}

function hostCondition(e: ir.Expr, message: string): HostCondition {
  if (e.kind === 'const') return e.value !== 0;
  if (e.kind === 'binary' && (e.op === 'and' || e.op === 'or') && e.dtype === 'bool') return { op: e.op, a: hostCondition(e.a, message), b: hostCondition(e.b, message) };
  if (e.kind === 'not') return { op: 'not', a: hostCondition(e.a, message) };
  if (e.kind === 'cmp') return { op: e.op, a: hostShape(e.a, `the check "${message}"`), b: hostShape(e.b, `the check "${message}"`) };
  throw new WgslCodegenError('gpu-host-code', `the check "${message}" (${printExpr(e)}) cannot be made on the host`);
}

/**
 * @throws WgslCodegenError for what WGSL or the host cannot express (f64, erf, a check on data)
 */
export function wgslProgram(g: GpuLowered): GpuProgram {
  const sig = kernelSignature(g.func);
  const kernels: GpuKernelSpec[] = g.kernels.map((k) => {
    const emitted = emitKernel({ name: k.nest.name, blockVars: k.nest.blockVars, body: k.body, dims: k.dims, params: g.func.params, buffers: k.buffers });
    return {
      name: k.nest.name,
      wgsl: emitted.wgsl,
      workgroupSize: k.dims.workgroupSize,
      grid: k.nest.grid.map((e) => hostShape(e, `the grid of kernel ${k.nest.name}`)),
      usesParams: emitted.usesParams,
      bindings: emitted.bindings.map((b) => b.name),
    };
  });
  let launched = 0;
  const steps = g.host.steps.map((s) => (s.kind === 'assert'
    ? { kind: 'check' as const, cond: hostCondition(s.cond, s.message), message: s.message }
    : { kind: 'launch' as const, kernel: launched++ }));
  return {
    name: sig.name,
    params: sig.params,
    args: sig.args,
    intermediates: g.host.intermediates.map((m) => ({ name: m.buffer.name, elements: hostShape(m.size, `the size of ${m.buffer.name}`) })),
    kernels,
    steps,
  };
}
