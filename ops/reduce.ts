/**
 * Reductions over axes: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare,
 * ReduceL1, ReduceL2, ReduceLogSum, as one table of rules (the value reduced, the reducer, what is
 * done with the result).
 *
 *   acc(kept...) = reduce over the reduced axes of value(X)      (the keepdims form)
 *   out = finish(acc), without the reduced axes unless keepdims
 *
 * Versions (ONNX Changelog.md): axes an attribute until opset 12 (ReduceSum) or 17 (the others), an
 * optional input from 13 / 18, with noop_with_empty_axes; no axes reduce every axis.
 */
import { compute, reduceAxis, sum, maximum, minimum, product, type Reduction, type ReduceAxis } from '../dsl/func.js';
import { Term, lift, abs, sqrt, log } from '../dsl/term.js';
import type { ModelDType, TensorInfo } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { FLOAT_TYPES, checkDTypes, constInput, constValues, makeConst, normalizeAxis, numel } from './host_tensors.js';
import { axisNames, inputFunc, kernelShape } from './indexing.js';
import { FOLD_LIMIT } from './elementwise.js';
import { unravel, ravel } from './host_eval.js';
import { scheduleReduction } from './schedule_rules.js';

interface ReduceRule {
  readonly op: string;
  /** The opset from which axes is an input. */
  readonly axesInput: number;
  readonly types: (opset: number) => readonly ModelDType[];
  readonly value: (x: Term) => Term;
  readonly reduce: (v: Term, axes: readonly ReduceAxis[]) => Reduction;
  readonly finish?: (acc: Term, count: number) => Term;
  readonly host: { readonly init: number; readonly value: (x: number) => number; readonly combine: (a: number, b: number) => number; readonly finish?: (a: number, count: number) => number };
}

const INTS: readonly ModelDType[] = ['i32', 'i64', 'u32', 'u64'];
const numbers = () => [...FLOAT_TYPES, ...INTS];
const ordered = (o: number): readonly ModelDType[] => [...FLOAT_TYPES, ...INTS, ...(o >= 12 ? ['i8', 'u8'] as const : [])];
const id = (x: Term) => x;
const add = (a: number, b: number) => a + b;

const RULES: readonly ReduceRule[] = [
  { op: 'ReduceSum', axesInput: 13, types: numbers, value: id, reduce: sum, host: { init: 0, value: (x) => x, combine: add } },
  {
    op: 'ReduceMean', axesInput: 18, types: numbers, value: id, reduce: sum, finish: (a, n) => a.div(lift(n, a.dtype)),
    host: { init: 0, value: (x) => x, combine: add, finish: (a, n) => a / n },
  },
  { op: 'ReduceMax', axesInput: 18, types: ordered, value: id, reduce: maximum, host: { init: -Infinity, value: (x) => x, combine: Math.max } },
  { op: 'ReduceMin', axesInput: 18, types: ordered, value: id, reduce: minimum, host: { init: Infinity, value: (x) => x, combine: Math.min } },
  { op: 'ReduceProd', axesInput: 18, types: numbers, value: id, reduce: product, host: { init: 1, value: (x) => x, combine: (a, b) => a * b } },
  { op: 'ReduceSumSquare', axesInput: 18, types: numbers, value: (x) => x.mul(x), reduce: sum, host: { init: 0, value: (x) => x * x, combine: add } },
  { op: 'ReduceL1', axesInput: 18, types: numbers, value: abs, reduce: sum, host: { init: 0, value: Math.abs, combine: add } },
  { op: 'ReduceL2', axesInput: 18, types: () => FLOAT_TYPES, value: (x) => x.mul(x), reduce: sum, finish: (a) => sqrt(a), host: { init: 0, value: (x) => x * x, combine: add, finish: Math.sqrt } },
  { op: 'ReduceLogSum', axesInput: 18, types: () => FLOAT_TYPES, value: id, reduce: sum, finish: (a) => log(a), host: { init: 0, value: (x) => x, combine: add, finish: Math.log } },
];

interface ReducePlan {
  readonly x: TensorInfo;
  /** Whether each input axis is reduced. */
  readonly reduced: readonly boolean[];
  readonly keepdims: boolean;
  /** No axes and noop_with_empty_axes: the output is the input. */
  readonly noop: boolean;
  readonly out: number[];
}

function plan(ctx: OpContext, rule: ReduceRule): ReducePlan {
  const fromInput = ctx.opset >= rule.axesInput;
  const a = new Attributes(ctx, fromInput ? ['keepdims', 'noop_with_empty_axes'] : ['axes', 'keepdims']);
  const x = ctx.inputs[0];
  if (!x) fail(ctx, `${rule.op} needs input 0 (data)`);
  if (ctx.inputs.length > (fromInput ? 2 : 1)) fail(ctx, `${rule.op} at opset ${ctx.opset} takes ${fromInput ? 'at most 2 inputs (data, axes)' : '1 input (axes is an attribute)'}, got ${ctx.inputs.length}`);
  checkDTypes(ctx, rule.types(ctx.opset), [0]);
  const r = x.shape.length;
  const given = fromInput ? constInput(ctx, 1, 'axes') : a.optionalInts('axes')?.slice();
  const keepdims = a.flag('keepdims', 1);
  const noop = fromInput && a.flag('noop_with_empty_axes', 0) && (!given || given.length === 0);
  const axes = new Set((given?.length ? given : noop ? [] : x.shape.map((_, d) => d)).map((v) => normalizeAxis(ctx, v, r, 'axes entry')));
  if (given?.length && axes.size !== given.length) fail(ctx, `axes [${given.join(', ')}] name an axis twice`);
  const reduced = x.shape.map((_, d) => axes.has(d));
  const out = noop ? [...x.shape] : x.shape.flatMap((n, d) => (reduced[d] ? (keepdims ? [1] : []) : [n]));
  return { x, reduced, keepdims, noop, out };
}

function reduceEntry(rule: ReduceRule): OpEntry {
  return {
    op: rule.op, opsets: [7, 21],
    inferShapes: (ctx) => [{ dtype: ctx.inputs[0]?.dtype ?? 'f32', shape: plan(ctx, rule).out }],
    fold(ctx) {
      const p = plan(ctx, rule), c = ctx.consts[0];
      if (!c || numel(p.x.shape) > FOLD_LIMIT) return undefined;
      const v = constValues(c), keep = p.x.shape.map((n, d) => (p.reduced[d] ? 1 : n));
      const acc = new Array<number>(numel(keep)).fill(rule.host.init);
      for (let i = 0; i < v.length; i++) {
        const o = ravel(unravel(i, p.x.shape).map((x, d) => (p.reduced[d] ? 0 : x)), keep);
        acc[o] = rule.host.combine(acc[o]!, rule.host.value(v[i]!));
      }
      const count = numel(p.x.shape) / numel(keep);
      const values = p.noop ? v : acc.map((a) => (rule.host.finish ? rule.host.finish(a, count) : a));
      return [makeConst(p.x.dtype, p.out, values)];
    },
    define(ctx, inputs) {
      const p = plan(ctx, rule);
      const X = inputFunc(ctx, inputs, 0, 'data');
      const shape = kernelShape(p.out);
      const keep = p.x.shape.map((n, d) => (p.reduced[d] ? 1 : n));
      const rs = p.x.shape.map((n, d) => (p.reduced[d] && !p.noop ? reduceAxis(n, `r${d}`) : undefined));
      const raxes = rs.filter((r): r is ReduceAxis => r !== undefined);
      if (raxes.length === 0) raxes.push(reduceAxis(1, 'r'));
      const acc = compute(`${ctx.prefix}_acc`, kernelShape(keep), (...o) => {
        const at = p.x.shape.length ? p.x.shape.map((_, d) => rs[d] ?? o[d]!) : [lift(0)];
        return rule.reduce(rule.value(X.at(...at)), raxes);
      }, { axes: axisNames(kernelShape(keep).length) });
      const count = p.noop ? 1 : numel(p.x.shape) / numel(keep);
      const out = compute(ctx.prefix, shape, (...o) => {
        // A reduced axis is read at 0; with keepdims it is also an axis (of extent 1) of the output.
        let k = 0;
        const at = p.x.shape.length === 0 ? [lift(0)] : p.x.shape.map((_, d) => {
          if (!p.reduced[d] || p.noop) return o[k++]!;
          if (p.keepdims) k++;
          return lift(0);
        });
        const v = acc.at(...at);
        return rule.finish ? rule.finish(v, count) : v;
      }, { axes: axisNames(shape.length) });
      return [out];
    },
    schedule(sch, request, ctx) {
      plan(ctx, rule);
      scheduleReduction(sch, request, `${ctx.prefix}_acc`);
    },
  };
}

export const REDUCE_OPS: readonly OpEntry[] = RULES.map(reduceEntry);
