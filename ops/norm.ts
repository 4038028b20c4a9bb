/**
 * BatchNormalization in inference (ONNX Operators.md: opsets 7, 9, 14, 15):
 *   Y = (X - mean) / sqrt(var + epsilon) * scale + B = X * s + t,
 *   s = scale / sqrt(var + epsilon), t = B - mean * s   (per channel; per element of X[1:] when
 *   spatial = 0, opsets 7-8).
 * s and t are stages over the channels computed once at root, Y an elementwise stage. Training mode
 * (training_mode = 1, or the running-statistics outputs) is refused.
 */
import { compute, type Func } from '../dsl/func.js';
import { sqrt } from '../dsl/term.js';
import type { TensorInfo } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { FLOAT_TYPES, checkDTypes } from './host_tensors.js';
import { axisNames, inputFunc } from './indexing.js';
import { schedulePointwise, schedulePointwiseOp } from './schedule_rules.js';

interface BatchNorm { readonly x: TensorInfo; readonly epsilon: number; readonly params: readonly number[] }

function batchNorm(ctx: OpContext): BatchNorm {
  const names = ['epsilon', 'momentum'];
  if (ctx.opset < 9) names.push('spatial');
  if (ctx.opset >= 14) names.push('training_mode');
  const a = new Attributes(ctx, names);
  if (ctx.opset >= 14 && a.flag('training_mode', 0)) fail(ctx, 'training_mode = 1 is not supported (inference only)');
  if (ctx.node.outputs.slice(1).some((o) => o !== '')) fail(ctx, 'the running mean and variance outputs are training outputs; only Y is supported');
  const [x, ...ps] = ctx.inputs;
  if (!x || ctx.inputs.length !== 5 || ps.some((p) => !p)) fail(ctx, 'BatchNormalization takes 5 inputs (X, scale, B, input_mean, input_var)');
  checkDTypes(ctx, FLOAT_TYPES);
  if (x.shape.length < 2) fail(ctx, `X has rank ${x.shape.length}; it needs [N, C, ...]`);
  const spatial = ctx.opset < 9 ? a.flag('spatial', 1) : true;
  const params = spatial ? [x.shape[1]!] : x.shape.slice(1);
  ps.forEach((p, i) => {
    if (p!.shape.join(',') !== params.join(',')) fail(ctx, `input ${i + 1} has shape [${p!.shape.join(', ')}]; it must be [${params.join(', ')}]`);
  });
  return { x, epsilon: a.float('epsilon', 1e-5), params };
}

export const BatchNormalization: OpEntry = {
  // Not marked elementwise: its per-channel stages need their own schedule, which a fused epilogue
  // would not get (the graph passes fold it into the preceding Conv instead).
  op: 'BatchNormalization', opsets: [7, 21],
  inferShapes: (ctx) => { const b = batchNorm(ctx); return [{ dtype: b.x.dtype, shape: [...b.x.shape] }]; },
  define(ctx, inputs) {
    const b = batchNorm(ctx);
    const [X, scale, bias, mean, variance] = ['X', 'scale', 'B', 'input_mean', 'input_var'].map((w, i) => inputFunc(ctx, inputs, i, w)) as [Func, Func, Func, Func, Func];
    const pa = axisNames(b.params.length);
    const s = compute(`${ctx.prefix}_scale`, b.params, (...c) => scale.at(...c).div(sqrt(variance.at(...c).add(b.epsilon))), { axes: pa });
    const t = compute(`${ctx.prefix}_shift`, b.params, (...c) => bias.at(...c).sub(mean.at(...c).mul(s.at(...c))), { axes: pa });
    const y = compute(ctx.prefix, b.x.shape, (...i) => {
      const c = i.slice(1, 1 + b.params.length);
      return X.at(...i).mul(s.at(...c)).add(t.at(...c));
    }, { axes: axisNames(b.x.shape.length) });
    return [y];
  },
  schedule(sch, request, ctx) {
    schedulePointwiseOp(sch, request);
    for (const name of [`${ctx.prefix}_scale`, `${ctx.prefix}_shift`]) schedulePointwise(sch, sch.state(name).stage, { ...request, threads: 1 });
  },
};
