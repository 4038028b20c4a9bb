/**
 * Data movement: Transpose, Concat, Split, Slice, Pad, Gather, Tile. Each output element is one input
 * element (or Pad's constant), at coordinates that are affine in the output's, so a definition is an
 * index map, and a fold the same map on the host.
 *
 * Source: ONNX Operators.md and Changelog.md (Transpose 1, 13, 21; Concat 4, 11, 13; Split 2, 11,
 * 13, 18; Slice 1, 10, 11, 13; Pad 2, 11, 13, 18, 19, 21; Gather 1, 11, 13; Tile 6, 13).
 */
import { compute, type Func } from '../dsl/func.js';
import { Term, lift, select } from '../dsl/term.js';
import { kernelDType, type TensorInfo } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { constInput, constValues, normalizeAxis, numel } from './host_tensors.js';
import { axisNames, clampIndex, inputFunc, kernelShape } from './indexing.js';
import { FOLD_LIMIT } from './elementwise.js';
import { hostReader, hostTensor } from './host_eval.js';
import { schedulePointwiseOp } from './schedule_rules.js';

function data(ctx: OpContext, what = 'data'): TensorInfo {
  const x = ctx.inputs[0];
  if (!x) fail(ctx, `${ctx.node.op} needs input 0 (${what})`);
  return x;
}

/** Folds when every input that `needs` lists is constant and the output is small. */
const foldable = (ctx: OpContext, out: readonly number[], needs: readonly number[] = [0]) =>
  needs.every((i) => !ctx.inputs[i] || ctx.consts[i]) && numel(out) <= FOLD_LIMIT;

/** Refuses empty tensors, which have no kernel (they only fold). */
function checkNotEmpty(ctx: OpContext, shape: readonly number[], what: string): void {
  if (shape.includes(0)) fail(ctx, `${what} has shape [${shape.join(', ')}]: an empty tensor has no kernel (it can only be folded)`);
}

const pointwise = (sch: Parameters<OpEntry['schedule']>[0], request: Parameters<OpEntry['schedule']>[1]) => schedulePointwiseOp(sch, request);

// ---------------------------------------------------------------------------------------------------
// Transpose

function transposePerm(ctx: OpContext): number[] {
  const a = new Attributes(ctx, ['perm']);
  const x = data(ctx);
  const r = x.shape.length;
  const perm = a.optionalInts('perm') ?? Array.from({ length: r }, (_, d) => r - 1 - d);
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= r)) {
    fail(ctx, `perm [${perm.join(', ')}] is not a permutation of the ${r} axes`);
  }
  return [...perm];
}

export const Transpose: OpEntry = {
  op: 'Transpose', opsets: [7, 21],
  inferShapes(ctx) {
    const perm = transposePerm(ctx), x = data(ctx);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
  fold(ctx) {
    const perm = transposePerm(ctx), x = data(ctx), out = perm.map((p) => x.shape[p]!);
    if (!foldable(ctx, out)) return undefined;
    const read = hostReader(ctx.consts[0]!);
    return [hostTensor(x.dtype, out, (o) => { const c = new Array<number>(perm.length); perm.forEach((p, d) => { c[p] = o[d]!; }); return read(c); })];
  },
  define(ctx, inputs) {
    const perm = transposePerm(ctx), x = data(ctx), out = perm.map((p) => x.shape[p]!);
    const X = inputFunc(ctx, inputs, 0, 'data');
    if (out.length === 0) return [compute(ctx.prefix, [1], () => X.at(0), { axes: ['d0'] })];
    return [compute(ctx.prefix, out, (...o) => {
      const c = new Array<Term>(perm.length);
      perm.forEach((p, d) => { c[p] = o[d]!; });
      return X.at(...c);
    }, { axes: axisNames(out.length) })];
  },
  schedule: pointwise,
};

// ---------------------------------------------------------------------------------------------------
// Concat

function concatAxis(ctx: OpContext): { axis: number; out: number[] } {
  const a = new Attributes(ctx, ['axis']);
  if (ctx.inputs.length === 0 || ctx.inputs.some((x) => !x)) fail(ctx, 'Concat needs at least one input, none omitted');
  const xs = ctx.inputs as TensorInfo[];
  const r = xs[0]!.shape.length;
  if (r === 0) fail(ctx, 'Concat cannot join scalars (rank 0)');
  const axis = normalizeAxis(ctx, a.int('axis'), r);
  const out = [...xs[0]!.shape];
  out[axis] = 0;
  for (const [i, x] of xs.entries()) {
    if (x.dtype !== xs[0]!.dtype) fail(ctx, `input ${i} has dtype ${x.dtype}, input 0 has ${xs[0]!.dtype}`);
    if (x.shape.length !== r || x.shape.some((d, k) => k !== axis && d !== xs[0]!.shape[k])) {
      fail(ctx, `input ${i} has shape [${x.shape.join(', ')}]; every input must match [${xs[0]!.shape.join(', ')}] except in axis ${axis}`);
    }
    out[axis] += x.shape[axis]!;
  }
  return { axis, out };
}

export const Concat: OpEntry = {
  op: 'Concat', opsets: [7, 21],
  inferShapes: (ctx) => [{ dtype: data(ctx).dtype, shape: concatAxis(ctx).out }],
  inputsInOutput(ctx) {
    const { axis, out } = concatAxis(ctx);
    if (out.slice(0, axis).some((d) => d !== 1)) return undefined;
    let offset = 0;
    return (ctx.inputs as TensorInfo[]).map((x) => { const at = offset; offset += x.shape.reduce((p, d) => p * d, 1); return at; });
  },
  fold(ctx) {
    const { axis, out } = concatAxis(ctx);
    if (!foldable(ctx, out, ctx.inputs.map((_, i) => i))) return undefined;
    const parts = ctx.consts.map((c) => ({ read: hostReader(c!), n: c!.shape[axis]! }));
    return [hostTensor(data(ctx).dtype, out, (o) => {
      let k = o[axis]!, p = 0;
      while (k >= parts[p]!.n) { k -= parts[p]!.n; p++; }
      const c = [...o];
      c[axis] = k;
      return parts[p]!.read(c);
    })];
  },
  define(ctx, inputs) {
    const { axis, out } = concatAxis(ctx);
    checkNotEmpty(ctx, out, 'the output');
    const parts = (ctx.inputs as TensorInfo[]).map((x, i) => ({ f: inputs[i]!, n: x.shape[axis]! })).filter((p) => p.n > 0);
    return [compute(ctx.prefix, out, (...o) => {
      // The last part is read unless an earlier one holds the index: a select chain, each read clamped.
      let offset = parts.slice(0, -1).reduce((s, p) => s + p.n, 0);
      const at = (p: { f: Func; n: number }, off: number) => p.f.at(...o.map((x, d) => (d === axis ? clampIndex(x.sub(off), p.n) : x)));
      let v = at(parts.at(-1)!, offset);
      for (let k = parts.length - 2; k >= 0; k--) {
        offset -= parts[k]!.n;
        v = select(o[axis]!.lt(offset + parts[k]!.n), at(parts[k]!, offset), v);
      }
      return v;
    }, { axes: axisNames(out.length) })];
  },
  schedule: pointwise,
};

// ---------------------------------------------------------------------------------------------------
// Split

function splitSizes(ctx: OpContext): { axis: number; sizes: number[] } {
  const names = ['axis'];
  if (ctx.opset < 13) names.push('split');
  if (ctx.opset >= 18) names.push('num_outputs');
  const a = new Attributes(ctx, names);
  const x = data(ctx, 'input');
  const r = x.shape.length;
  const axis = normalizeAxis(ctx, a.int('axis', 0), r);
  const dim = x.shape[axis]!;
  const n = ctx.node.outputs.length;
  let sizes = ctx.opset < 13 ? a.optionalInts('split')?.slice() : constInput(ctx, 1, 'split');
  const numOutputs = ctx.opset >= 18 ? a.optionalInt('num_outputs') : undefined;
  if (sizes && numOutputs !== undefined) fail(ctx, 'give either the split input or the num_outputs attribute, not both');
  if (sizes) {
    if (sizes.length !== n) fail(ctx, `split [${sizes.join(', ')}] has ${sizes.length} parts for ${n} outputs`);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, s) => p + s, 0) !== dim) fail(ctx, `split [${sizes.join(', ')}] does not add up to the axis extent ${dim}`);
  } else if (numOutputs !== undefined) {
    if (numOutputs !== n) fail(ctx, `num_outputs ${numOutputs} but the node has ${n} outputs`);
    const chunk = Math.ceil(dim / n);
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  } else {
    if (ctx.opset >= 18) fail(ctx, 'Split at opset 18+ needs the split input or the num_outputs attribute');
    if (dim % n !== 0) fail(ctx, `axis ${axis} has extent ${dim}, which does not split evenly into ${n} outputs`);
    sizes = new Array<number>(n).fill(dim / n);
  }
  return { axis, sizes };
}

const splitOffsets = (sizes: readonly number[]) => sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));

export const Split: OpEntry = {
  op: 'Split', opsets: [7, 21],
  inferShapes(ctx) {
    const { axis, sizes } = splitSizes(ctx), x = data(ctx, 'input');
    return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, k) => (k === axis ? s : d)) }));
  },
  fold(ctx) {
    const { axis, sizes } = splitSizes(ctx), x = data(ctx, 'input');
    if (!foldable(ctx, x.shape)) return undefined;
    const read = hostReader(ctx.consts[0]!), offs = splitOffsets(sizes);
    return sizes.map((s, i) => hostTensor(x.dtype, x.shape.map((d, k) => (k === axis ? s : d)), (o) => read(o.map((c, k) => (k === axis ? c + offs[i]! : c)))));
  },
  define(ctx, inputs) {
    const { axis, sizes } = splitSizes(ctx), x = data(ctx, 'input');
    const X = inputFunc(ctx, inputs, 0, 'input'), offs = splitOffsets(sizes);
    return sizes.map((s, i) => {
      const shape = x.shape.map((d, k) => (k === axis ? s : d));
      checkNotEmpty(ctx, shape, `output ${i}`);
      return compute(i === 0 ? ctx.prefix : `${ctx.prefix}_${i}`, shape, (...o) => X.at(...o.map((c, k) => (k === axis ? c.add(offs[i]!) : c))), { axes: axisNames(shape.length) });
    });
  },
  schedule: pointwise,
};

// ---------------------------------------------------------------------------------------------------
// Slice

/** Per axis of the input: the first index and the step of the output's elements, and the output extent. */
interface SliceMap { readonly start: number[]; readonly step: number[]; readonly out: number[] }

function sliceMap(ctx: OpContext): SliceMap {
  const x = data(ctx);
  const r = x.shape.length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (ctx.opset < 10) {
    const a = new Attributes(ctx, ['starts', 'ends', 'axes']);
    starts = [...a.ints('starts')]; ends = [...a.ints('ends')]; axes = a.optionalInts('axes')?.slice();
    if (ctx.inputs.length !== 1) fail(ctx, 'Slice before opset 10 takes 1 input (starts and ends are attributes)');
  } else {
    new Attributes(ctx, []);
    if (ctx.inputs.length < 3 || ctx.inputs.length > 5) fail(ctx, `Slice takes 3 to 5 inputs (data, starts, ends, axes, steps), got ${ctx.inputs.length}`);
    starts = constInput(ctx, 1, 'starts')!; ends = constInput(ctx, 2, 'ends')!;
    axes = constInput(ctx, 3, 'axes'); steps = constInput(ctx, 4, 'steps');
  }
  if (starts.length !== ends.length) fail(ctx, `starts [${starts.join(', ')}] and ends [${ends.join(', ')}] differ in length`);
  const ax = (axes ?? starts.map((_, i) => i)).map((v) => normalizeAxis(ctx, v, r, 'axes entry'));
  if (ax.length !== starts.length || new Set(ax).size !== ax.length) fail(ctx, `axes [${(axes ?? []).join(', ')}] must name ${starts.length} distinct axes`);
  const st = steps ?? starts.map(() => 1);
  if (st.length !== starts.length) fail(ctx, `steps [${st.join(', ')}] has another length than starts`);
  const map: SliceMap = { start: x.shape.map(() => 0), step: x.shape.map(() => 1), out: [...x.shape] };
  ax.forEach((d, i) => {
    const dim = x.shape[d]!, step = st[i]!;
    if (step === 0 || !Number.isInteger(step)) fail(ctx, `steps [${st.join(', ')}] holds ${step}; steps are non-zero integers`);
    let s = starts[i]! < 0 ? starts[i]! + dim : starts[i]!, e = ends[i]! < 0 ? ends[i]! + dim : ends[i]!;
    if (step > 0) { s = Math.min(Math.max(s, 0), dim); e = Math.min(Math.max(e, 0), dim); } else { s = Math.min(Math.max(s, 0), dim - 1); e = Math.min(Math.max(e, -1), dim - 1); }
    map.start[d] = s; map.step[d] = step; map.out[d] = Math.max(0, Math.ceil((e - s) / step));
  });
  return map;
}

export const Slice: OpEntry = {
  op: 'Slice', opsets: [7, 21],
  inferShapes: (ctx) => [{ dtype: data(ctx).dtype, shape: sliceMap(ctx).out }],
  fold(ctx) {
    const m = sliceMap(ctx);
    if (!foldable(ctx, m.out)) return undefined;
    const read = hostReader(ctx.consts[0]!);
    return [hostTensor(data(ctx).dtype, m.out, (o) => read(o.map((c, d) => m.start[d]! + c * m.step[d]!)))];
  },
  define(ctx, inputs) {
    const m = sliceMap(ctx);
    checkNotEmpty(ctx, m.out, 'the output');
    const X = inputFunc(ctx, inputs, 0, 'data');
    return [compute(ctx.prefix, m.out, (...o) => X.at(...o.map((c, d) => c.mul(m.step[d]!).add(m.start[d]!))), { axes: axisNames(m.out.length) })];
  },
  schedule: pointwise,
};

// ---------------------------------------------------------------------------------------------------
// Pad

type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

interface PadParams { readonly mode: PadMode; readonly begin: number[]; readonly end: number[]; readonly out: number[]; readonly value: number | 'input' }

function padParams(ctx: OpContext): PadParams {
  const x = data(ctx);
  const r = x.shape.length;
  const modes: PadMode[] = ctx.opset >= 19 ? ['constant', 'reflect', 'edge', 'wrap'] : ['constant', 'reflect', 'edge'];
  let pads: number[], value: number | 'input' = 0, axes: number[] | undefined;
  let mode: PadMode;
  if (ctx.opset < 11) {
    const a = new Attributes(ctx, ['mode', 'pads', 'value']);
    mode = a.choice('mode', modes, 'constant');
    pads = [...a.ints('pads')];
    value = a.float('value', 0);
    if (ctx.inputs.length !== 1) fail(ctx, 'Pad before opset 11 takes 1 input (pads is an attribute)');
  } else {
    const a = new Attributes(ctx, ['mode']);
    mode = a.choice('mode', modes, 'constant');
    if (ctx.inputs.length < 2 || ctx.inputs.length > (ctx.opset >= 18 ? 4 : 3)) fail(ctx, `Pad takes 2 to ${ctx.opset >= 18 ? 4 : 3} inputs, got ${ctx.inputs.length}`);
    pads = constInput(ctx, 1, 'pads')!;
    if (ctx.inputs[2]) value = ctx.consts[2] ? constValues(ctx.consts[2])[0] ?? 0 : 'input';
    axes = ctx.opset >= 18 ? constInput(ctx, 3, 'axes') : undefined;
  }
  const ax = (axes ?? x.shape.map((_, d) => d)).map((v) => normalizeAxis(ctx, v, r, 'axes entry'));
  if (pads.length !== 2 * ax.length) fail(ctx, `pads has ${pads.length} values; it needs 2 x ${ax.length} (begins, then ends)`);
  const begin = x.shape.map(() => 0), end = x.shape.map(() => 0);
  ax.forEach((d, i) => { begin[d] = pads[i]!; end[d] = pads[ax.length + i]!; });
  const out = x.shape.map((n, d) => n + begin[d]! + end[d]!);
  out.forEach((n, d) => { if (n < 0) fail(ctx, `axis ${d}: pads ${begin[d]}, ${end[d]} crop more than its extent ${x.shape[d]}`); });
  if (mode !== 'constant') {
    x.shape.forEach((n, d) => {
      if ((begin[d]! > 0 || end[d]! > 0) && n === 0) fail(ctx, `axis ${d} is empty; mode ${mode} has nothing to repeat`);
    });
  }
  return { mode, begin, end, out, value };
}

/** The input index that output index `j - begin` reads in one axis of extent n (mode's rule). */
function padIndex(mode: PadMode, j: Term, n: number): Term {
  switch (mode) {
    case 'constant': case 'edge': return clampIndex(j, n);
    case 'wrap': return j.mod(n);
    case 'reflect': {
      if (n === 1) return lift(0);
      const m = j.mod(2 * n - 2);
      // The clamp changes nothing; it tells bound inference what the select's condition ensures.
      return clampIndex(select(m.lt(n), m, lift(2 * n - 2).sub(m)), n);
    }
  }
}
function hostPadIndex(mode: PadMode, j: number, n: number): number {
  switch (mode) {
    case 'constant': case 'edge': return Math.min(Math.max(j, 0), n - 1);
    case 'wrap': return ((j % n) + n) % n;
    case 'reflect': {
      if (n === 1) return 0;
      const m = ((j % (2 * n - 2)) + 2 * n - 2) % (2 * n - 2);
      return m < n ? m : 2 * n - 2 - m;
    }
  }
}

export const Pad: OpEntry = {
  op: 'Pad', opsets: [7, 21],
  inferShapes: (ctx) => [{ dtype: data(ctx).dtype, shape: padParams(ctx).out }],
  fold(ctx) {
    const p = padParams(ctx), x = data(ctx);
    if (!foldable(ctx, p.out) || p.value === 'input') return undefined;
    const read = hostReader(ctx.consts[0]!), value = p.value;
    return [hostTensor(x.dtype, p.out, (o) => {
      const j = o.map((c, d) => c - p.begin[d]!);
      if (p.mode === 'constant' && j.some((v, d) => v < 0 || v >= x.shape[d]!)) return value;
      return read(j.map((v, d) => hostPadIndex(p.mode, v, x.shape[d]!)));
    })];
  },
  define(ctx, inputs) {
    const p = padParams(ctx), x = data(ctx);
    checkNotEmpty(ctx, p.out, 'the output');
    checkNotEmpty(ctx, x.shape, 'the input');
    const X = inputFunc(ctx, inputs, 0, 'data');
    const kt = kernelDType(x.dtype);
    const value = p.value === 'input' ? inputs[2]!.at(...inputs[2]!.shape.map(() => 0)) : lift(p.value, kt);
    return [compute(ctx.prefix, p.out, (...o) => {
      const j = o.map((c, d) => c.sub(p.begin[d]!));
      const v = X.at(...j.map((jj, d) => padIndex(p.mode, jj, x.shape[d]!)));
      if (p.mode !== 'constant') return v;
      let inside: Term | undefined;
      j.forEach((jj, d) => {
        if (p.begin[d]! <= 0 && p.end[d]! <= 0) return;
        const c = jj.ge(0).and(jj.lt(x.shape[d]!));
        inside = inside ? inside.and(c) : c;
      });
      return inside ? select(inside, v, value) : v;
    }, { axes: axisNames(p.out.length) })];
  },
  schedule: pointwise,
};

// ---------------------------------------------------------------------------------------------------
// Gather

function gatherShape(ctx: OpContext): { axis: number; out: number[] } {
  const a = new Attributes(ctx, ['axis']);
  const x = data(ctx);
  const idx = ctx.inputs[1];
  if (!idx || ctx.inputs.length !== 2) fail(ctx, 'Gather takes 2 inputs (data, indices)');
  if (idx.dtype !== 'i64' && idx.dtype !== 'i32') fail(ctx, `indices have dtype ${idx.dtype}; they must be int32 or int64`);
  if (x.shape.length === 0) fail(ctx, 'data must have rank 1 or more');
  const axis = normalizeAxis(ctx, a.int('axis', 0), x.shape.length);
  return { axis, out: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] };
}

export const Gather: OpEntry = {
  op: 'Gather', opsets: [7, 21],
  inferShapes: (ctx) => [{ dtype: data(ctx).dtype, shape: gatherShape(ctx).out }],
  fold(ctx) {
    const { axis, out } = gatherShape(ctx);
    if (!foldable(ctx, out, [0, 1])) return undefined;
    const x = data(ctx), n = x.shape[axis]!, q = ctx.inputs[1]!.shape.length;
    const read = hostReader(ctx.consts[0]!), ids = hostReader(ctx.consts[1]!);
    return [hostTensor(x.dtype, out, (o) => {
      let k = ids(o.slice(axis, axis + q));
      if (k < 0) k += n;
      if (k < 0 || k >= n) fail(ctx, `index ${k} is out of range for axis ${axis} of extent ${n}`);
      return read([...o.slice(0, axis), k, ...o.slice(axis + q)]);
    })];
  },
  define(ctx, inputs) {
    const { axis, out } = gatherShape(ctx);
    checkNotEmpty(ctx, out, 'the output');
    const x = data(ctx), n = x.shape[axis]!, q = ctx.inputs[1]!.shape.length;
    const X = inputFunc(ctx, inputs, 0, 'data'), I = inputFunc(ctx, inputs, 1, 'indices');
    const shape = kernelShape(out);
    return [compute(ctx.prefix, shape, (...o) => {
      const at = o.slice(axis, axis + q);
      let k = I.at(...(q === 0 ? [lift(0)] : at));
      if (k.dtype !== 'i32') k = k.cast('i32');
      // Negative indices count from the end; an index out of range (an error in ONNX) reads the nearest element.
      k = clampIndex(select(k.lt(0), k.add(n), k), n);
      return X.at(...(out.length === 0 ? [] : o.slice(0, axis)), k, ...o.slice(axis + q));
    }, { axes: axisNames(shape.length) })];
  },
  schedule: pointwise,
};

// ---------------------------------------------------------------------------------------------------
// Tile

function tileShape(ctx: OpContext): { repeats: number[]; out: number[] } {
  new Attributes(ctx, []);
  const x = data(ctx, 'input');
  if (ctx.inputs.length !== 2) fail(ctx, 'Tile takes 2 inputs (input, repeats)');
  const repeats = constInput(ctx, 1, 'repeats')!;
  if (repeats.length !== x.shape.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) fail(ctx, `repeats [${repeats.join(', ')}] must hold one non-negative integer per axis of the input (rank ${x.shape.length})`);
  return { repeats, out: x.shape.map((d, k) => d * repeats[k]!) };
}

export const Tile: OpEntry = {
  op: 'Tile', opsets: [7, 21],
  inferShapes: (ctx) => [{ dtype: data(ctx, 'input').dtype, shape: tileShape(ctx).out }],
  fold(ctx) {
    const { out } = tileShape(ctx), x = data(ctx, 'input');
    if (!foldable(ctx, out)) return undefined;
    const read = hostReader(ctx.consts[0]!);
    return [hostTensor(x.dtype, out, (o) => read(o.map((c, d) => c % x.shape[d]!)))];
  },
  define(ctx, inputs) {
    const { out } = tileShape(ctx), x = data(ctx, 'input');
    checkNotEmpty(ctx, out, 'the output');
    const X = inputFunc(ctx, inputs, 0, 'input');
    return [compute(ctx.prefix, out, (...o) => X.at(...o.map((c, d) => (x.shape[d] === 1 ? lift(0) : c.mod(x.shape[d]!)))), { axes: axisNames(out.length) })];
  },
  schedule: pointwise,
};


// ---------------------------------------------------------------------------------------------------
// DepthToSpace, SpaceToDepth

/**
 * DepthToSpace (opsets 1, 11, 13; mode DCR or CRD from 11) and SpaceToDepth (1, 13), NCHW, block b:
 *   DCR: out(n, c, y, x) = in(n, (y mod b * b + x mod b) * C' + c, y / b, x / b)
 *   CRD: out(n, c, y, x) = in(n, c * b * b + y mod b * b + x mod b, y / b, x / b)
 *   SpaceToDepth: out(n, (i * b + j) * C + c, y, x) = in(n, c, y * b + i, x * b + j)
 */
function blockParams(ctx: OpContext): { b: number; mode: 'DCR' | 'CRD'; out: number[] } {
  const toSpace = ctx.node.op === 'DepthToSpace';
  const a = new Attributes(ctx, toSpace && ctx.opset >= 11 ? ['blocksize', 'mode'] : ['blocksize']);
  const x = data(ctx, 'input');
  if (ctx.inputs.length !== 1) fail(ctx, `${ctx.node.op} takes 1 input`);
  if (x.shape.length !== 4) fail(ctx, `input has rank ${x.shape.length}; ${ctx.node.op} takes NCHW (rank 4)`);
  const b = a.int('blocksize');
  if (!Number.isInteger(b) || b < 1) fail(ctx, `blocksize ${b} must be a positive integer`);
  const mode = toSpace && ctx.opset >= 11 ? a.choice('mode', ['DCR', 'CRD'], 'DCR') : 'DCR';
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (toSpace) {
    if (C % (b * b) !== 0) fail(ctx, `channels ${C} are not a multiple of blocksize^2 = ${b * b}`);
    return { b, mode, out: [N, C / (b * b), H * b, W * b] };
  }
  if (H % b !== 0 || W % b !== 0) fail(ctx, `height ${H} and width ${W} must be multiples of blocksize ${b}`);
  return { b, mode, out: [N, C * b * b, H / b, W / b] };
}

function blockEntry(op: 'DepthToSpace' | 'SpaceToDepth'): OpEntry {
  const source = (ctx: OpContext, o: readonly number[]): number[] => {
    const { b, mode } = blockParams(ctx);
    const [n, c, y, x] = o as [number, number, number, number];
    if (op === 'SpaceToDepth') {
      const C = data(ctx, 'input').shape[1]!, k = Math.floor(c / C);
      return [n, c % C, y * b + Math.floor(k / b), x * b + (k % b)];
    }
    const Cp = blockParams(ctx).out[1]!, off = (y % b) * b + (x % b);
    return [n, mode === 'DCR' ? off * Cp + c : c * b * b + off, Math.floor(y / b), Math.floor(x / b)];
  };
  return {
    op, opsets: [1, 21],
    inferShapes: (ctx) => [{ dtype: data(ctx, 'input').dtype, shape: blockParams(ctx).out }],
    fold(ctx) {
      const { out } = blockParams(ctx);
      if (!foldable(ctx, out)) return undefined;
      const read = hostReader(ctx.consts[0]!);
      return [hostTensor(data(ctx, 'input').dtype, out, (o) => read(source(ctx, o)))];
    },
    define(ctx, inputs) {
      const { b, mode, out } = blockParams(ctx);
      const X = inputFunc(ctx, inputs, 0, 'input');
      const C = data(ctx, 'input').shape[1]!;
      return [compute(ctx.prefix, out, (n, c, y, x) => {
        if (op === 'SpaceToDepth') {
          const k = c.div(C);
          return X.at(n, c.mod(C), y.mul(b).add(k.div(b)), x.mul(b).add(k.mod(b)));
        }
        const off = y.mod(b).mul(b).add(x.mod(b));
        return X.at(n, mode === 'DCR' ? off.mul(out[1]!).add(c) : c.mul(b * b).add(off), y.div(b), x.div(b));
      }, { axes: ['n', 'c', 'y', 'x'] })];
    },
    schedule: pointwise,
  };
}

export const DepthToSpace = blockEntry('DepthToSpace');
export const SpaceToDepth = blockEntry('SpaceToDepth');
