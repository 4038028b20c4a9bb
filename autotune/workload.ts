/**
 * Workloads: a pipeline's definition at concrete sizes, as canonical JSON that a worker (or another
 * machine) rebuilds the pipeline from, and the key tuning records are filed under.
 *
 * The key is the SHA-256 (FIPS 180-4) of the definition's canonical form: stages in topological order,
 * their expressions, dtypes, shapes and reductions, the inputs, and the concrete value of every size
 * variable. It never depends on object ids, on the engine, or on names that a bundler may rename: the
 * axis variables of each stage (named after the `compute` callback's parameters by default, which a
 * minifier renames) enter the key by position within their stage (pure axes, then reduction axes).
 * Stage, input and size-variable names are string literals the user wrote and are part of the key.
 * TVM's records were keyed by hashes that differ between machines (tvm#14188); this key does not.
 *
 * The spec itself keeps the axis names, because traces refer to loops by name: a record made on a
 * pipeline whose axes were called `y, x` replays on a minified copy whose axes are `a, b` by
 * rebuilding the pipeline with the record's names (`withAxisNames`), which computes the same thing.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import * as ir from '../ir/expr.js';
import { type DType, isDType } from '../ir/dtype.js';
import { evalBinary } from '../ir/ops.js';
import { Pipeline } from '../dsl/pipeline.js';
import { type Func, Stage, ReduceAxis, Reduction, type Reducer, SUM, PROD, MAX, MIN, compute, placeholder } from '../dsl/func.js';
import { Term, type SizeVar, sizeVar, isSizeVar } from '../dsl/term.js';
import { INLINE_BY_DEFAULT } from '../dsl/boundary.js';

/** Version of the spec's JSON form; a spec of another version is refused by `pipelineFromSpec`. */
export const WORKLOAD_SPEC_VERSION = 1;

/**
 * An expression of a definition as JSON. Variables are the stage's pure axis `i` (`axis`), its
 * reduction axis `i` (`raxis`), or a size variable by name (`size`). Constants keep their dtype; values
 * JSON cannot hold (NaN, ±Infinity, -0) are the strings 'nan', 'inf', '-inf', '-0'.
 */
export type SpecExpr =
  | { readonly k: 'const'; readonly t: DType; readonly v: number | 'nan' | 'inf' | '-inf' | '-0' }
  | { readonly k: 'axis'; readonly i: number }
  | { readonly k: 'raxis'; readonly i: number }
  | { readonly k: 'size'; readonly n: string }
  | { readonly k: 'binary'; readonly op: ir.BinOp; readonly a: SpecExpr; readonly b: SpecExpr }
  | { readonly k: 'cmp'; readonly op: ir.CmpOp; readonly a: SpecExpr; readonly b: SpecExpr }
  | { readonly k: 'not'; readonly a: SpecExpr }
  | { readonly k: 'select'; readonly c: SpecExpr; readonly t: SpecExpr; readonly f: SpecExpr }
  | { readonly k: 'cast'; readonly t: DType; readonly a: SpecExpr }
  | { readonly k: 'reinterpret'; readonly t: DType; readonly a: SpecExpr }
  | { readonly k: 'call'; readonly fn: ir.MathFn; readonly args: readonly SpecExpr[] }
  | { readonly k: 'access'; readonly f: string; readonly args: readonly SpecExpr[] };

export interface SpecInput { readonly name: string; readonly dtype: DType; readonly shape: readonly SpecExpr[] }

export interface SpecReduction {
  /** The reducer by name: 'sum', 'product', 'maximum', 'minimum'. */
  readonly reducer: string;
  readonly axes: readonly { readonly name: string; readonly min: SpecExpr; readonly extent: SpecExpr }[];
}

export interface SpecStage {
  readonly name: string;
  readonly shape: readonly SpecExpr[];
  /** Names of the pure axes, outermost first (what traces call the stage's loops). */
  readonly axes: readonly string[];
  readonly body: SpecExpr;
  readonly reduction?: SpecReduction;
  /** A boundary condition's stage, inlined by the default schedule. */
  readonly inlineByDefault?: true;
}

/** The canonical JSON of a pipeline at concrete sizes (see the file's comment). */
export interface WorkloadSpec {
  readonly version: number;
  /** The value of every size variable of the pipeline, by name. */
  readonly sizes: Readonly<Record<string, number>>;
  readonly inputs: readonly SpecInput[];
  /** In topological order, producers first. */
  readonly stages: readonly SpecStage[];
  /** Names of the output stages, in the pipeline's order. */
  readonly outputs: readonly string[];
}

export interface Workload {
  /** SHA-256 hex of the canonical form (axis names replaced by positions). */
  readonly key: string;
  /** A name for reports (the outputs' names unless given). */
  readonly name: string;
  readonly spec: WorkloadSpec;
  readonly pipeline: Pipeline;
  readonly sizes: Readonly<Record<string, number>>;
}

export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

const REDUCERS: Readonly<Record<string, Reducer>> = { sum: SUM, product: PROD, maximum: MAX, minimum: MIN };

function encodeConst(value: number): number | 'nan' | 'inf' | '-inf' | '-0' {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0';
  return value;
}
function decodeConst(v: number | string): number {
  switch (v) {
    case 'nan': return NaN;
    case 'inf': return Infinity;
    case '-inf': return -Infinity;
    case '-0': return -0;
    default:
      if (typeof v !== 'number') throw new WorkloadError(`constant ${JSON.stringify(v)} is neither a number nor one of 'nan', 'inf', '-inf', '-0'`);
      return v;
  }
}

/** Encodes the expressions of one definition; `where` names it in errors. */
function encoder(where: string, pure: readonly ir.Var[], reduction: readonly ir.Var[]) {
  const enc = (e: ir.Expr): SpecExpr => {
    switch (e.kind) {
      case 'const': return { k: 'const', t: e.dtype, v: encodeConst(e.value) };
      case 'var': {
        const i = pure.indexOf(e.v);
        if (i >= 0) return { k: 'axis', i };
        const r = reduction.indexOf(e.v);
        if (r >= 0) return { k: 'raxis', i: r };
        if (isSizeVar(e.v)) return { k: 'size', n: e.v.name };
        throw new WorkloadError(`${where} uses the variable ${e.v.name}, which is neither one of its axes nor a size variable`);
      }
      case 'binary': return { k: 'binary', op: e.op, a: enc(e.a), b: enc(e.b) };
      case 'cmp': return { k: 'cmp', op: e.op, a: enc(e.a), b: enc(e.b) };
      case 'not': return { k: 'not', a: enc(e.a) };
      case 'select': return { k: 'select', c: enc(e.cond), t: enc(e.t), f: enc(e.f) };
      case 'cast': return { k: 'cast', t: e.dtype, a: enc(e.value) };
      case 'reinterpret': return { k: 'reinterpret', t: e.dtype, a: enc(e.value) };
      case 'call': return { k: 'call', fn: e.fn, args: e.args.map(enc) };
      case 'access': return { k: 'access', f: e.func.name, args: e.args.map(enc) };
      default: throw new WorkloadError(`${where} contains a ${e.kind} node, which no definition holds`);
    }
  };
  return enc;
}

/**
 * The workload of `p` at `sizes`: its spec, key and pipeline.
 * @param sizes the value of every size variable of `p` by name (positive i32 integers); no others
 * @param name a name for reports (default: the output stages' names joined by '_')
 * @throws WorkloadError for a missing, unknown or non-positive size, or a definition that holds a
 *   node no definition can (a let, a load: never made by the DSL)
 */
export function workloadOf(p: Pipeline, sizes: Readonly<Record<string, number>>, name?: string): Workload {
  const spec = specOf(p, sizes);
  return { key: workloadKey(spec), name: name ?? p.outputs.map((o) => o.name).join('_'), spec, pipeline: p, sizes: spec.sizes };
}

/** The spec of `p` at `sizes` (see `workloadOf`). */
export function specOf(p: Pipeline, sizes: Readonly<Record<string, number>>): WorkloadSpec {
  const known = p.params.map((v) => v.name);
  for (const n of Object.keys(sizes)) {
    if (!known.includes(n)) throw new WorkloadError(`sizes: ${n} is not a size variable of the pipeline (its size variables: ${known.join(', ') || 'none'})`);
  }
  const bound: Record<string, number> = {};
  for (const n of [...known].sort()) {
    const v = sizes[n];
    if (v === undefined) throw new WorkloadError(`sizes: the size variable ${n} has no value; a workload has concrete sizes (pass { ${known.map((k) => `${k}: ...`).join(', ')} })`);
    if (!Number.isInteger(v) || v < 1 || v > 2147483647) throw new WorkloadError(`sizes: ${n} = ${v} is not a positive i32 integer`);
    bound[n] = v;
  }
  const inputs = p.inputs.map((f) => ({ name: f.name, dtype: f.dtype, shape: f.shape.map(encoder(`the shape of input ${f.name}`, [], [])) }));
  const stages = p.stages.map((s): SpecStage => {
    const raxes = s.reduction?.axes ?? [];
    const enc = encoder(`stage ${s.name}`, s.axes, raxes.map((a) => a.v));
    const reducer = s.reduction && Object.entries(REDUCERS).find(([, r]) => r === s.reduction!.reducer)?.[0];
    if (s.reduction && !reducer) throw new WorkloadError(`stage ${s.name}: its reducer ${s.reduction.reducer.name} is not one of ${Object.keys(REDUCERS).join(', ')}`);
    const shapeEnc = encoder(`the shape of stage ${s.name}`, [], []);
    return {
      name: s.name,
      shape: s.shape.map(shapeEnc),
      axes: s.axes.map((v) => v.name),
      body: enc(s.body),
      ...(s.reduction ? { reduction: { reducer: reducer!, axes: raxes.map((a) => ({ name: a.name, min: enc(a.lo), extent: enc(a.extent) })) } } : {}),
      ...(INLINE_BY_DEFAULT.has(s) ? { inlineByDefault: true as const } : {}),
    };
  });
  return { version: WORKLOAD_SPEC_VERSION, sizes: bound, inputs, stages, outputs: p.outputs.map((o) => o.name) };
}

/** The spec without the names that bundlers rename: pure and reduction axes become counts. */
function canonicalForm(spec: WorkloadSpec): unknown {
  return {
    ...spec,
    stages: spec.stages.map(({ axes, reduction, ...rest }) => ({
      ...rest,
      axes: axes.length,
      ...(reduction ? { reduction: { reducer: reduction.reducer, axes: reduction.axes.map(({ min, extent }) => ({ min, extent })) } } : {}),
    })),
  };
}

/**
 * JSON with object keys sorted at every level (RFC 8785's ordering for ASCII keys): the same value
 * gives the same text in every engine.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new WorkloadError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 hex of UTF-8 `text`. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** The key of a spec: SHA-256 hex of its canonical form. */
export function workloadKey(spec: WorkloadSpec): string {
  return sha256Hex(canonicalJson(canonicalForm(spec)));
}

/** The axis names of every stage, pure then reduction axes: what a trace made on this workload calls its loops. */
export function definitionAxes(spec: WorkloadSpec): Record<string, string[]> {
  return Object.fromEntries(spec.stages.map((s) => [s.name, [...s.axes, ...(s.reduction?.axes.map((a) => a.name) ?? [])]]));
}

/**
 * The spec with each stage's axes renamed to `axes` (pure then reduction, as `definitionAxes` gives):
 * the same definition, and the same key, under other axis names.
 * @throws WorkloadError when a stage is missing from `axes` or has another number of axes
 */
export function withAxisNames(spec: WorkloadSpec, axes: Readonly<Record<string, readonly string[]>>): WorkloadSpec {
  return {
    ...spec,
    stages: spec.stages.map((s) => {
      const names = axes[s.name];
      const n = s.axes.length + (s.reduction?.axes.length ?? 0);
      if (!names || names.length !== n) throw new WorkloadError(`stage ${s.name} has ${n} axes but the names given for it are ${names ? `[${names.join(', ')}]` : 'missing'}`);
      return {
        ...s,
        axes: names.slice(0, s.axes.length),
        ...(s.reduction ? { reduction: { ...s.reduction, axes: s.reduction.axes.map((a, i) => ({ ...a, name: names[s.axes.length + i]! })) } } : {}),
      };
    }),
  };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Rebuilds the pipeline a spec describes (in a worker, from a record): size variables, inputs and
 * stages with the spec's names, every definition checked by the DSL as when it was first written.
 * @throws WorkloadError for a spec of another version or a malformed one (naming the stage and what is
 *   wrong); DefinitionError (dsl/term.ts) when a rebuilt definition is illegal
 */
export function pipelineFromSpec(spec: WorkloadSpec): Pipeline {
  if (!isObject(spec)) throw new WorkloadError('a workload spec must be an object');
  if (spec.version !== WORKLOAD_SPEC_VERSION) throw new WorkloadError(`workload spec version ${String(spec.version)} is not ${WORKLOAD_SPEC_VERSION}, the version this Tessera reads`);
  if (!Array.isArray(spec.inputs) || !Array.isArray(spec.stages) || !Array.isArray(spec.outputs) || !isObject(spec.sizes)) {
    throw new WorkloadError('a workload spec needs sizes (an object), inputs, stages and outputs (arrays)');
  }
  const sizes = new Map<string, SizeVar>();
  const sizeOf = (n: string): SizeVar => {
    if (typeof n !== 'string') throw new WorkloadError(`a size variable's name must be a string, got ${JSON.stringify(n)}`);
    let v = sizes.get(n);
    if (!v) { v = sizeVar(n); sizes.set(n, v); }
    return v;
  };
  const funcs = new Map<string, Func>();
  const decoder = (where: string, pure: readonly Term[], red: readonly ReduceAxis[]): ((x: SpecExpr) => ir.Expr) => {
    const dec = (x: SpecExpr): ir.Expr => {
      if (!isObject(x)) throw new WorkloadError(`${where}: an expression must be an object, got ${JSON.stringify(x)}`);
      switch (x.k) {
        case 'const':
          if (!isDType(x.t)) throw new WorkloadError(`${where}: unknown dtype ${JSON.stringify(x.t)}`);
          return ir.constant(decodeConst(x.v), x.t);
        case 'axis': case 'raxis': {
          const list = x.k === 'axis' ? pure : red;
          const t = list[x.i];
          if (!t) throw new WorkloadError(`${where}: ${x.k === 'axis' ? 'pure axis' : 'reduction axis'} ${x.i} does not exist (it has ${list.length})`);
          return t.expr;
        }
        case 'size': return sizeOf(x.n).expr;
        case 'binary': return ir.binary(x.op, dec(x.a), dec(x.b));
        case 'cmp': return ir.cmp(x.op, dec(x.a), dec(x.b));
        case 'not': return ir.not(dec(x.a));
        case 'select': return ir.select(dec(x.c), dec(x.t), dec(x.f));
        case 'cast': case 'reinterpret':
          if (!isDType(x.t)) throw new WorkloadError(`${where}: unknown dtype ${JSON.stringify(x.t)}`);
          return x.k === 'cast' ? ir.cast(x.t, dec(x.a)) : ir.reinterpret(x.t, dec(x.a));
        case 'call': return ir.call(x.fn, x.args.map(dec));
        case 'access': {
          const f = funcs.get(x.f);
          if (!f) throw new WorkloadError(`${where} reads ${x.f}, which is not an input or an earlier stage of the spec`);
          return ir.access(f, x.args.map(dec));
        }
        default: throw new WorkloadError(`${where}: unknown expression kind ${JSON.stringify((x as { k: unknown }).k)}`);
      }
    };
    return (x: SpecExpr): ir.Expr => {
      try {
        return dec(x);
      } catch (e) {
        if (e instanceof ir.IRTypeError) throw new WorkloadError(`${where}: ${e.message}`);
        throw e;
      }
    };
  };
  // Sizes are created in name order, so that variable ids (and with them the simplifier's term order)
  // do not depend on where in the spec a size first appears.
  Object.keys(spec.sizes).sort().forEach(sizeOf);
  for (const input of spec.inputs) {
    const shape = input.shape.map((e: SpecExpr) => new Term(decoder(`the shape of input ${input.name}`, [], [])(e)));
    funcs.set(input.name, placeholder(input.name, shape, input.dtype));
  }
  for (const s of spec.stages) {
    const where = `stage ${s.name}`;
    if (funcs.has(s.name)) throw new WorkloadError(`${where}: the name is used twice in the spec`);
    const shape = s.shape.map((e: SpecExpr) => new Term(decoder(`the shape of ${where}`, [], [])(e)));
    const reducer = s.reduction && REDUCERS[s.reduction.reducer];
    if (s.reduction && !reducer) throw new WorkloadError(`${where}: unknown reducer ${JSON.stringify(s.reduction.reducer)}`);
    const stage = compute(s.name, shape, (...axes: Term[]) => {
      const red: ReduceAxis[] = [];
      for (const a of s.reduction?.axes ?? []) {
        const d = decoder(`the reduction axis ${a.name} of ${where}`, axes, red);
        red.push(new ReduceAxis(new ir.Var(a.name), d(a.min), d(a.extent)));
      }
      const body = new Term(decoder(where, axes, red)(s.body));
      return reducer ? new Reduction(reducer, body, red) : body;
    }, { axes: s.axes });
    if (s.inlineByDefault) INLINE_BY_DEFAULT.add(stage);
    funcs.set(s.name, stage);
  }
  const outputs = spec.outputs.map((n) => {
    const f = funcs.get(n);
    if (!(f instanceof Stage)) throw new WorkloadError(`output ${n} is not a stage of the spec`);
    return f;
  });
  const p = new Pipeline(outputs);
  if (p.stages.length !== spec.stages.length) {
    const unused = spec.stages.map((s) => s.name).filter((n) => !p.stages.some((t) => t.name === n));
    throw new WorkloadError(`stages ${unused.join(', ')} of the spec are not read by any output`);
  }
  return p;
}

/**
 * The workload of a spec read back from JSON (a worker's message, a page's): rebuilt pipeline, key
 * recomputed.
 * @throws as pipelineFromSpec
 */
export function workloadFromSpec(spec: WorkloadSpec, name?: string): Workload {
  const pipeline = pipelineFromSpec(spec);
  return { key: workloadKey(spec), name: name ?? spec.outputs.join('_'), spec, pipeline, sizes: spec.sizes };
}

/**
 * The value of a shape expression of a spec at the spec's sizes (i32 arithmetic: floor division and
 * Euclidean remainder, as the DSL's).
 * @throws WorkloadError for a size without a value or an expression that is not integer arithmetic
 */
export function specExtent(e: SpecExpr, sizes: Readonly<Record<string, number>>): number {
  switch (e.k) {
    case 'const': return decodeConst(e.v);
    case 'size': {
      const v = sizes[e.n];
      if (v === undefined) throw new WorkloadError(`size ${e.n} has no value`);
      return v;
    }
    case 'binary': return evalBinary(e.op, 'i32', specExtent(e.a, sizes), specExtent(e.b, sizes));
    case 'cast': return specExtent(e.a, sizes);
    default: throw new WorkloadError(`a shape extent must be integer arithmetic on sizes, not a ${e.k}`);
  }
}

/** The concrete shapes of the spec's inputs and outputs, by name. */
export function specShapes(spec: WorkloadSpec): { inputs: Record<string, number[]>; outputs: Record<string, number[]> } {
  const inputs = Object.fromEntries(spec.inputs.map((i) => [i.name, i.shape.map((e) => specExtent(e, spec.sizes))]));
  const outputs = Object.fromEntries(spec.outputs.map((n) => {
    const s = spec.stages.find((t) => t.name === n);
    if (!s) throw new WorkloadError(`output ${n} is not a stage of the spec`);
    return [n, s.shape.map((e) => specExtent(e, spec.sizes))];
  }));
  return { inputs, outputs };
}
