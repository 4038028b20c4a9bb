/**
 * Softmax and LogSoftmax (ONNX Operators.md, opsets 1, 11, 13), computed stably:
 *   m = max over the axes of x,  e = exp(x - m),  s = sum over the axes of e
 *   Softmax = e / s,  LogSoftmax = x - m - log(s)
 * Before opset 13 the input is coerced to 2-D at `axis` (default 1): the axes are axis..rank-1.
 * From opset 13 the axes are the one axis `axis` (default -1).
 */
import { compute, reduceAxis, sum, maximum, type Func, type ReduceAxis } from '../dsl/func.js';
import { Term, exp, log } from '../dsl/term.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { FLOAT_TYPES, checkDTypes } from './host_tensors.js';
import { axisNames, inputFunc, kernelShape } from './indexing.js';
import { kernelOutput, schedulePointwise, scheduleRootReduction } from './schedule_rules.js';

function softmaxAxes(ctx: OpContext): { shape: number[]; axes: boolean[] } {
  const a = new Attributes(ctx, ['axis']);
  const x = ctx.inputs[0];
  if (!x || ctx.inputs.length !== 1) fail(ctx, `${ctx.node.op} takes 1 input`);
  checkDTypes(ctx, FLOAT_TYPES);
  const r = x.shape.length;
  const modern = ctx.opset >= 13;
  let axis = a.int('axis', modern ? -1 : 1);
  if (r === 0) fail(ctx, `${ctx.node.op} needs an input of rank 1 or more`);
  if (axis < -r || axis >= r) fail(ctx, `axis ${axis} is out of range for rank ${r} (it must be in [${-r}, ${r - 1}])`);
  if (axis < 0) axis += r;
  return { shape: [...x.shape], axes: x.shape.map((_, d) => (modern ? d === axis : d >= axis)) };
}

function softmaxEntry(op: 'Softmax' | 'LogSoftmax'): OpEntry {
  return {
    op, opsets: [7, 21],
    inferShapes: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: softmaxAxes(ctx).shape }],
    define(ctx, inputs) {
      const { shape, axes } = softmaxAxes(ctx);
      const X: Func = inputFunc(ctx, inputs, 0, 'input');
      const keep = shape.map((n, d) => (axes[d] ? 1 : n)), names = axisNames(shape.length);
      const reduction = () => shape.map((n, d) => (axes[d] ? reduceAxis(n, `r${d}`) : undefined));
      const over = (rs: (ReduceAxis | undefined)[], o: Term[]) => shape.map((_, d) => rs[d] ?? o[d]!);
      const rm = reduction();
      const m = compute(`${ctx.prefix}_max`, keep, (...o) => maximum(X.at(...over(rm, o)), rm.filter((r): r is ReduceAxis => !!r)), { axes: names });
      const atKeep = (o: Term[]) => o.map((x, d) => (axes[d] ? 0 : x));
      const e = compute(`${ctx.prefix}_exp`, shape, (...o) => exp(X.at(...o).sub(m.at(...atKeep(o)))), { axes: names });
      const rs = reduction();
      const s = compute(`${ctx.prefix}_sum`, keep, (...o) => sum(e.at(...over(rs, o)), rs.filter((r): r is ReduceAxis => !!r)), { axes: names });
      const out = compute(ctx.prefix, kernelShape(shape), (...o) => (op === 'Softmax'
        ? e.at(...o).div(s.at(...atKeep(o)))
        : X.at(...o).sub(m.at(...atKeep(o))).sub(log(s.at(...atKeep(o))))), { axes: names });
      return [out];
    },
    schedule(sch, request, ctx) {
      softmaxAxes(ctx);
      const final = kernelOutput(sch, request);
      if (final !== request.outputs[0]) sch.stage(request.outputs[0]!).computeInline();
      const st = (suffix: string) => sch.state(`${ctx.prefix}_${suffix}`).stage;
      scheduleRootReduction(sch, st('max'), request);
      if (op === 'Softmax') schedulePointwise(sch, st('exp'), request);
      else sch.stage(st('exp')).computeInline();
      scheduleRootReduction(sch, st('sum'), request);
      schedulePointwise(sch, final, request);
    },
  };
}

export const Softmax = softmaxEntry('Softmax');
export const LogSoftmax = softmaxEntry('LogSoftmax');
