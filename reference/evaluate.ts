/**
 * The definition-level reference evaluator, the independent oracle of the tests: it computes a
 * pipeline's outputs from the stages' definitions alone, with no schedule, no lowering and no bound
 * inference.
 *
 * Stages are functions over an unbounded integer domain (as in Halide): a consumer may read an
 * intermediate stage outside its declared shape. Each stage's value at a point is computed on first
 * use and remembered. Stage bodies are compiled once to JS closures over a slot array (the environment)
 * and use the scalar semantics of ir/ops.ts exactly.
 */
import * as ir from '../ir/expr.js';
import { type TypedArray, arrayTypeOf, dtypeOfArray, wrap } from '../ir/dtype.js';
import { evalBinary, evalCall, evalCast, evalCmp, evalReinterpret } from '../ir/ops.js';
import type { Placeholder, Stage } from '../dsl/func.js';
import type { Pipeline } from '../dsl/pipeline.js';

/** A row-major tensor: `data` holds the product of `shape` elements, the last axis contiguous. */
export interface Tensor<Shape extends readonly number[] = readonly number[]> {
  readonly data: TypedArray;
  readonly shape: Shape;
}

/** The values of a stage or input at integer coordinates (outermost first). */
type Reader = (coords: readonly number[]) => number;
/** Slots holding the values of the variables in scope, indexed by the compiler's slot numbers. */
type Env = number[];
type Compiled = (env: Env) => number;

/** Compiles IR expressions of one definition to closures; `where` names the definition in errors. */
class ExprCompiler {
  slots = 0;

  constructor(
    private readonly where: string,
    private readonly sizes: ReadonlyMap<ir.Var, number>,
    private readonly readers: ReadonlyMap<ir.FuncRef, Reader>,
  ) {}

  newSlot(): number { return this.slots++; }

  /**
   * @param scope the slot of each variable bound where `e` is evaluated (size variables are constants)
   * @throws Error on an unbound variable, a read of something outside the pipeline, or a vector or
   *   buffer node (which no definition contains)
   */
  compile(e: ir.Expr, scope: ReadonlyMap<ir.Var, number>): Compiled {
    if (e.lanes !== 1) throw new Error(`${this.where}: definitions are scalar, but it contains the ${e.dtype}x${e.lanes} ${e.kind}`);
    switch (e.kind) {
      case 'const': {
        const value = e.value;
        return () => value;
      }
      case 'var': {
        const slot = scope.get(e.v);
        if (slot !== undefined) return (env) => env[slot]!;
        const size = this.sizes.get(e.v);
        if (size !== undefined) return () => size;
        throw new Error(`${this.where} uses ${e.v.name}, which is not bound there (no input's shape binds it if it is a size variable; pass it in sizes)`);
      }
      case 'binary': {
        const op = e.op, t = e.dtype, a = this.compile(e.a, scope), b = this.compile(e.b, scope);
        return (env) => evalBinary(op, t, a(env), b(env));
      }
      case 'cmp': {
        const op = e.op, a = this.compile(e.a, scope), b = this.compile(e.b, scope);
        return (env) => evalCmp(op, a(env), b(env));
      }
      case 'not': {
        const a = this.compile(e.a, scope);
        return (env) => (a(env) ? 0 : 1);
      }
      case 'select': {
        // Both sides are evaluated, as in compiled code: an out-of-bounds read on the side not taken is
        // still a definition bug.
        const c = this.compile(e.cond, scope), t = this.compile(e.t, scope), f = this.compile(e.f, scope);
        return (env) => {
          const cv = c(env), tv = t(env), fv = f(env);
          return cv ? tv : fv;
        };
      }
      case 'cast': {
        const from = e.value.dtype, to = e.dtype, v = this.compile(e.value, scope);
        return (env) => evalCast(from, to, v(env));
      }
      case 'reinterpret': {
        const from = e.value.dtype, to = e.dtype, v = this.compile(e.value, scope);
        return (env) => evalReinterpret(from, to, v(env));
      }
      case 'call': {
        const fn = e.fn, t = e.dtype, args = e.args.map((a) => this.compile(a, scope));
        return (env) => evalCall(fn, t, args.map((a) => a(env)));
      }
      case 'access': {
        const read = this.readers.get(e.func);
        if (!read) throw new Error(`${this.where} reads ${e.func.name}, which is not part of the pipeline`);
        const args = e.args.map((a) => this.compile(a, scope));
        return (env) => read(args.map((a) => a(env)));
      }
      case 'let': {
        const slot = this.newSlot(), value = this.compile(e.value, scope);
        const body = this.compile(e.body, new Map(scope).set(e.v, slot));
        return (env) => {
          env[slot] = value(env);
          return body(env);
        };
      }
      case 'load': case 'ramp': case 'broadcast':
        throw new Error(`${this.where} contains a ${e.kind}, which belongs to lowered code, not to a definition`);
    }
  }
}

/** Evaluates an expression over size variables only (a shape extent). */
function evalSizeExpr(e: ir.Expr, sizes: ReadonlyMap<ir.Var, number>, where: string): number {
  return new ExprCompiler(where, sizes, new Map()).compile(e, new Map())([]);
}

/**
 * Remembers a stage's value at points: densely inside its declared shape, in a map outside it (reads
 * outside the shape, such as a blur reading row -1, are few).
 */
class PointCache {
  private static readonly MAX_DENSE = 1 << 22;
  private readonly values: Float64Array;
  private readonly known: Uint8Array;
  private readonly outside = new Map<string, number>();

  constructor(private readonly shape: readonly number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const dense = size <= PointCache.MAX_DENSE ? size : 0;
    this.values = new Float64Array(dense);
    this.known = new Uint8Array(dense);
  }

  get(coords: readonly number[]): number | undefined {
    const i = this.flatIndex(coords);
    if (i < 0) return this.outside.get(coords.join(','));
    return this.known[i] ? this.values[i] : undefined;
  }

  set(coords: readonly number[], value: number): void {
    const i = this.flatIndex(coords);
    if (i < 0) {
      this.outside.set(coords.join(','), value);
    } else {
      this.values[i] = value;
      this.known[i] = 1;
    }
  }

  /** The row-major index of a point inside the dense region, or -1. */
  private flatIndex(coords: readonly number[]): number {
    if (this.values.length === 0) return -1;
    let i = 0;
    for (let d = 0; d < coords.length; d++) {
      const c = coords[d]!, n = this.shape[d]!;
      if (c < 0 || c >= n) return -1;
      i = i * n + c;
    }
    return i;
  }
}

function placeholderReader(input: Placeholder, { data, shape }: Tensor): Reader {
  return (coords) => {
    let i = 0;
    for (let d = 0; d < coords.length; d++) {
      const c = coords[d]!, n = shape[d]!;
      if (c < 0 || c >= n) {
        throw new RangeError(`input ${input.name} read at (${coords.join(', ')}), outside its shape [${shape.join(', ')}]`);
      }
      i = i * n + c;
    }
    return data[i]!;
  };
}

/** A memoising reader of `stage`; the readers of its producers must already be in `readers`. */
function stageReader(stage: Stage, sizes: ReadonlyMap<ir.Var, number>, readers: ReadonlyMap<ir.FuncRef, Reader>): Reader {
  const c = new ExprCompiler(`stage ${stage.name}`, sizes, readers);
  const pure = new Map(stage.axes.map((v) => [v, c.newSlot()] as const));
  const valueAt = stage.reduction ? compileReduction(stage, c, pure) : c.compile(stage.body, pure);
  const shape = stage.shape.map((e) => evalSizeExpr(e, sizes, `the shape of stage ${stage.name}`));
  const cache = new PointCache(shape);
  const envSize = c.slots;
  return (coords) => {
    const hit = cache.get(coords);
    if (hit !== undefined) return hit;
    const env: Env = new Array<number>(envSize).fill(0);
    for (let d = 0; d < coords.length; d++) env[d] = coords[d]!;
    const value = valueAt(env);
    cache.set(coords, value);
    return value;
  };
}

/**
 * acc = init; for each point of the reduction domain (first axis outermost, each from its lo to
 * lo + extent - 1): acc = combine(acc, value).
 */
function compileReduction(stage: Stage, c: ExprCompiler, pure: ReadonlyMap<ir.Var, number>): Compiled {
  const { reducer, axes, init } = stage.reduction!;
  const initial = c.compile(init, pure);
  const scope = new Map(pure);
  const los: Compiled[] = [], extents: Compiled[] = [], axisSlots: number[] = [];
  for (const axis of axes) {
    los.push(c.compile(axis.lo, scope));
    extents.push(c.compile(axis.extent, scope));
    const slot = c.newSlot();
    axisSlots.push(slot);
    scope.set(axis.v, slot);
  }
  const value = c.compile(stage.body, scope);
  const accVar = new ir.Var('acc', stage.dtype), valueVar = new ir.Var('value', stage.dtype);
  const accSlot = c.newSlot(), valueSlot = c.newSlot();
  const combine = c.compile(reducer.combine(ir.varRef(accVar), ir.varRef(valueVar)), new Map([[accVar, accSlot], [valueVar, valueSlot]]));

  const loop = (env: Env, axis: number): void => {
    if (axis === axes.length) {
      env[valueSlot] = value(env);
      env[accSlot] = combine(env);
      return;
    }
    const lo = los[axis]!(env), end = lo + extents[axis]!(env), slot = axisSlots[axis]!;
    for (let i = lo; i < end; i++) {
      env[slot] = i;
      loop(env, axis + 1);
    }
  };
  return (env) => {
    env[accSlot] = initial(env);
    loop(env, 0);
    return env[accSlot]!;
  };
}

/**
 * Binds the pipeline's size variables: from `sizes` by name, and from each input shape dimension
 * that is a plain size variable. Then checks every input against its placeholder.
 */
function bindSizes(p: Pipeline, inputs: Readonly<Record<string, Tensor>>, sizes: Readonly<Record<string, number>>): Map<ir.Var, number> {
  const bound = new Map<ir.Var, { value: number; source: string }>();
  const bind = (v: ir.Var, value: number, source: string) => {
    const old = bound.get(v);
    if (old && old.value !== value) {
      throw new Error(`size variable ${v.name} is ${old.value} from ${old.source} but ${value} from ${source}`);
    }
    if (!old) bound.set(v, { value, source });
  };
  for (const v of p.params) {
    if (!Object.hasOwn(sizes, v.name)) continue;
    const value = sizes[v.name]!;
    if (!Number.isInteger(value) || value !== wrap('i32', value)) throw new Error(`size ${v.name} = ${value} is not an i32 integer`);
    bind(v, value, 'sizes');
  }
  for (const input of p.inputs) {
    const t = Object.hasOwn(inputs, input.name) ? inputs[input.name] : undefined;
    if (!t) throw new Error(`input ${input.name} is missing (the pipeline's inputs are ${p.inputs.map((i) => i.name).join(', ')})`);
    const dtype = dtypeOfArray(t.data);
    if (dtype !== input.dtype) throw new Error(`input ${input.name} must be a ${input.dtype} array, got ${dtype ?? 'something that is not a typed array'}`);
    if (t.shape.length !== input.ndim) throw new Error(`input ${input.name} has ${input.ndim} dimension(s), got a shape of rank ${t.shape.length}`);
    for (const [d, n] of t.shape.entries()) {
      if (!Number.isInteger(n) || n < 0 || n !== wrap('i32', n)) throw new Error(`input ${input.name}: extent ${n} of dimension ${d} is not a non-negative i32 integer`);
      const e = input.shape[d]!;
      if (e.kind === 'var' && p.params.includes(e.v)) bind(e.v, n, `dimension ${d} of input ${input.name}`);
    }
  }
  const values = new Map([...bound].map(([v, b]) => [v, b.value] as const));
  for (const input of p.inputs) {
    const t = inputs[input.name]!;
    const expected = input.shape.map((e) => evalSizeExpr(e, values, `the shape of input ${input.name}`));
    if (expected.some((n, d) => n !== t.shape[d])) {
      throw new Error(`input ${input.name} must have shape [${expected.join(', ')}], got [${t.shape.join(', ')}]`);
    }
    const size = expected.reduce((a, b) => a * b, 1);
    if (t.data.length !== size) throw new Error(`input ${input.name} has shape [${t.shape.join(', ')}] (${size} elements) but its data has ${t.data.length}`);
  }
  return values;
}

/**
 * Computes the outputs of `p` from its definitions.
 * @param inputs for each of `p.inputs`, by name: a typed array of the placeholder's dtype and its shape
 *   (row-major); entries for other names are ignored
 * @param sizes values of size variables that no input shape determines (one used only in an output's
 *   shape, say), by name; optional
 * @returns for each output stage, by name: its values over its shape, in an array of its dtype
 * @throws Error naming the input on a missing input, a wrong dtype, rank, shape or data length, or
 *   conflicting values of a size variable; Error on an unbound variable or a bool output
 * @throws RangeError when a definition reads an input outside its shape, naming the input, the
 *   coordinates and the shape
 */
export function evaluate(
  p: Pipeline,
  inputs: Readonly<Record<string, Tensor>>,
  sizes: Readonly<Record<string, number>> = {},
): Record<string, { data: TypedArray; shape: number[] }> {
  const values = bindSizes(p, inputs, sizes);
  const readers = new Map<ir.FuncRef, Reader>();
  for (const input of p.inputs) readers.set(input, placeholderReader(input, inputs[input.name]!));
  for (const stage of p.stages) readers.set(stage, stageReader(stage, values, readers));

  const out: Record<string, { data: TypedArray; shape: number[] }> = {};
  for (const stage of p.outputs) {
    if (stage.dtype === 'bool') throw new Error(`output ${stage.name} is bool, which has no storage type; cast it`);
    const shape = stage.shape.map((e) => evalSizeExpr(e, values, `the shape of output ${stage.name}`));
    if (shape.some((n) => n < 0)) throw new Error(`output ${stage.name} has a negative extent in its shape [${shape.join(', ')}]`);
    const data = new (arrayTypeOf(stage.dtype))(shape.reduce((a, b) => a * b, 1));
    const read = readers.get(stage)!;
    const coords = shape.map(() => 0);
    for (let i = 0; i < data.length; i++) {
      data[i] = read(coords);
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++coords[d]! < shape[d]!) break;
        coords[d] = 0;
      }
    }
    out[stage.name] = { data, shape };
  }
  return out;
}
