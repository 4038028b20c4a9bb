/**
 * Emits one lowered function as a binaryen function. Expressions are emitted as scalars, as v128
 * chunks, or lane by lane (values.ts); anything an expression must evaluate once and read several
 * times goes to a local set in the current statement's prelude. Preludes are scoped: the arms of a
 * select with a scalar condition get their own, so only the chosen arm's loads run (ir/expr.ts).
 */
import binaryen from 'binaryen';
import { CodegenError } from '../error.js';
import { ABORT_IMPORT, PARALLEL_FOR_IMPORT, taskExportName } from '../../runtime/abi.js';
import * as ir from '../../ir/expr.js';
import { type LoweredFunc, type Stmt, varsDefinedIn, walkStmt, stmtExprs } from '../../ir/stmt.js';
import { type DType, bits, bytes, isFloat } from '../../ir/dtype.js';
import { printExpr } from '../../ir/printer.js';
import {
  type X, type Val, type VecVal, type SimdVal, type ScalarVal, wasmType, fitsSimd, shapeOf, lanesPerChunk, laneBitsOf,
} from './values.js';
import { type ScalarCtx, type HelperName, scalarBinary, scalarCmp, scalarCast, scalarReinterpret, scalarLoad, scalarStore, scalarConst } from './scalar_ops.js';
import { simdBinary, simdCmp, simdCall, simdCast, convertMask, splat, constChunk, extractLane, replaceLane, relaxedMadd } from './simd_ops.js';
import { constantLanes, scalarPlusLanes, denseRuns, type LaneRun } from './lane_runs.js';
import { transposedStores, transpose4x4, type TransposedStores } from './transposed_stores.js';

export { CodegenError };

type Binding =
  | { readonly rep: 'scalar'; readonly local: number; readonly dtype: DType }
  | { readonly rep: 'simd'; readonly locals: readonly number[]; readonly dtype: DType; readonly lanes: number; readonly laneBits: number }
  | { readonly rep: 'lanes'; readonly locals: readonly number[]; readonly dtype: DType };

type BufferBinding =
  | { readonly kind: 'memory'; readonly base: number }
  | { readonly kind: 'register'; readonly slotLanes: number; readonly slots: readonly (readonly number[])[] };

/**
 * Math functions WebAssembly lacks, imported from the host's Math (computed in f64, one call per
 * lane): sin, cos, tan, pow and atan2, and f64 exp, log and tanh (f32 ones are Tessera's own
 * polynomials, expanded into arithmetic before code generation).
 */
export const IMPORTED_MATH: ReadonlySet<ir.MathFn> = new Set(['exp', 'log', 'sin', 'cos', 'tan', 'tanh', 'pow', 'atan2']);

/** What a module's functions share: helpers, imports, messages, and the outlined parallel tasks. */
export interface ModuleContext {
  readonly helpers: Set<HelperName>;
  readonly mathImports: Set<ir.MathFn>;
  readonly messages: string[];
  /** Export names of the outlined parallel loop bodies, by task index. */
  readonly tasks: string[];
  /** Outline parallel loops into tasks run through env.parallel_for. */
  readonly threads: boolean;
  /** Emit f32 vector a * b + c as f32x4.relaxed_madd (the module enables relaxed SIMD). */
  readonly relaxedMadd: boolean;
  /**
   * Outline each outermost loop of the kernel into a function called on chunks of its iterations
   * (CHUNK_CALLS calls): see FunctionEmitter.outline.
   */
  readonly chunked: boolean;
  /** How many relaxed_madd instructions were emitted. */
  madds: number;
  /** How many chunk functions were emitted (their names). */
  chunkFunctions: number;
}

export function newModuleContext(threads: boolean, relaxedMadd = false, chunked = false): ModuleContext {
  return { helpers: new Set(), mathImports: new Set(), messages: [], tasks: [], threads, relaxedMadd, chunked, madds: 0, chunkFunctions: 0 };
}

/** Calls per outlined outermost loop of a chunked module (ModuleContext.chunked). */
const CHUNK_CALLS = 16;

/** Bytes a captured binding takes in a parallel task's closure. */
const slotBytes = (b: Binding): number => (b.rep === 'scalar' ? 8 : b.rep === 'simd' ? 16 * b.locals.length : 8 * b.locals.length);

const hasLoad = (e: ir.Expr): boolean => {
  let found = false;
  ir.walkExpr(e, (x) => { if (x.kind === 'load') found = true; });
  return found;
};

/** An f32 vector add with a multiply as an operand: the operands of a fused multiply-add. */
function multiplyAddend(e: ir.Binary): { a: ir.Expr; b: ir.Expr; c: ir.Expr; productFirst: boolean } | undefined {
  if (e.op !== 'add' || e.dtype !== 'f32') return undefined;
  const isMul = (x: ir.Expr): x is ir.Binary => x.kind === 'binary' && x.op === 'mul';
  if (isMul(e.a)) return { a: e.a.a, b: e.a.b, c: e.b, productFirst: true };
  if (isMul(e.b)) return { a: e.b.a, b: e.b.b, c: e.a, productFirst: false };
  return undefined;
}

export class FunctionEmitter implements ScalarCtx {
  private readonly localTypes: binaryen.Type[] = [];
  private prelude: X[] = [];
  private readonly vars = new Map<ir.Var, Binding>();
  private readonly buffers = new Map<ir.Buffer, BufferBinding>();
  /**
   * The i32 variables known to be non-negative (sizes, loops starting at 0 or above, lets of such
   * values): an index `rest + c` folds c into the access's constant offset only when rest >= 0, since
   * WebAssembly adds the offset to the unsigned address without wrapping (§4.4.7).
   */
  private readonly nonNegative = new Set<ir.Var>();
  /** The lane values of i32 vector variables bound to constants (a de-interleaved store's lane offsets). */
  private readonly lanesOfVar = new Map<ir.Var, readonly number[]>();
  private readonly knownLanes = (v: ir.Var): readonly number[] | undefined => this.lanesOfVar.get(v);
  private labels = 0;
  /** Loops around the statement being emitted. */
  private loopDepth = 0;
  private readonly nParams: number;
  private readonly spLocal = 0;
  get helpers(): Set<HelperName> { return this.ctx.helpers; }
  get mathImports(): Set<ir.MathFn> { return this.ctx.mathImports; }
  get messages(): string[] { return this.ctx.messages; }

  /**
   * A kernel: parameters (scratch pointer, size parameters..., buffer addresses...), all i32.
   * A task (`task` given): parameters (scratch pointer, closure address, start, end).
   */
  constructor(readonly m: binaryen.Module, private readonly f: LoweredFunc, private readonly ctx: ModuleContext, private readonly insideTask = false) {
    if (insideTask) {
      this.nParams = 4;
      return;
    }
    this.nParams = 1 + f.params.length + f.args.length;
    f.params.forEach((p, i) => { this.vars.set(p, { rep: 'scalar', local: 1 + i, dtype: 'i32' }); this.nonNegative.add(p); });
    f.args.forEach((a, i) => this.buffers.set(a.buffer, { kind: 'memory', base: 1 + f.params.length + i }));
  }

  /** Adds the kernel to the module under `name`. */
  emit(name: string): ModuleContext {
    const body = this.stmt(this.f.body);
    const params = binaryen.createType(new Array(this.nParams).fill(binaryen.i32));
    this.m.addFunction(name, params, binaryen.none, this.localTypes, body);
    return this.ctx;
  }

  // --- locals and preludes ----------------------------------------------------------------------
  private newLocal(type: binaryen.Type): number {
    this.localTypes.push(type);
    return this.nParams + this.localTypes.length - 1;
  }
  private get(local: number, type: binaryen.Type): X { return this.m.local.get(local, type); }
  share(e: X, type: binaryen.Type): () => X {
    const l = this.newLocal(type);
    this.prelude.push(this.m.local.set(l, e));
    return () => this.get(l, type);
  }
  private shareV128 = (e: X): (() => X) => this.share(e, binaryen.v128);
  helper(name: HelperName): string { this.helpers.add(name); return name; }

  /** Runs `f` with a fresh prelude; returns the prelude it produced and its value. */
  private scoped<T>(f: () => T): [X[], T] {
    const saved = this.prelude;
    this.prelude = [];
    try {
      const v = f();
      return [this.prelude, v];
    } finally {
      this.prelude = saved;
    }
  }
  /** A statement preceded by what its expressions set up. */
  private statement(f: () => X): X {
    const [pre, s] = this.scoped(f);
    return pre.length ? this.m.block(null, [...pre, s]) : s;
  }

  // --- bindings -----------------------------------------------------------------------------------
  /** Binds a let's variable, noting what later accesses use: non-negativity and constant lanes. */
  private bindLet(v: ir.Var, value: ir.Expr): void {
    this.bind(v, this.val(value));
    if (this.isNonNegative(value)) this.nonNegative.add(v);
    if (value.lanes > 1) {
      const lanes = constantLanes(value, this.knownLanes);
      if (lanes) this.lanesOfVar.set(v, lanes);
    }
  }
  private bind(v: ir.Var, val: Val): void {
    switch (val.rep) {
      case 'scalar': {
        const l = this.newLocal(wasmType(val.dtype));
        this.prelude.push(this.m.local.set(l, val.e));
        this.vars.set(v, { rep: 'scalar', local: l, dtype: val.dtype });
        return;
      }
      case 'simd': {
        const locals = val.chunks.map((c) => { const l = this.newLocal(binaryen.v128); this.prelude.push(this.m.local.set(l, c)); return l; });
        this.vars.set(v, { rep: 'simd', locals, dtype: val.dtype, lanes: val.lanes, laneBits: val.laneBits });
        return;
      }
      case 'lanes': {
        const locals = val.lanes.map((x) => { const l = this.newLocal(wasmType(val.dtype)); this.prelude.push(this.m.local.set(l, x)); return l; });
        this.vars.set(v, { rep: 'lanes', locals, dtype: val.dtype });
      }
    }
  }
  private read(v: ir.Var): Val {
    const b = this.vars.get(v);
    if (!b) throw new CodegenError('internal', `internal: variable ${v.name} has no binding`);
    switch (b.rep) {
      case 'scalar': return { rep: 'scalar', dtype: b.dtype, e: this.get(b.local, wasmType(b.dtype)) };
      case 'simd': return { rep: 'simd', dtype: b.dtype, lanes: b.lanes, laneBits: b.laneBits, chunks: b.locals.map((l) => this.get(l, binaryen.v128)) };
      case 'lanes': return { rep: 'lanes', dtype: b.dtype, lanes: b.locals.map((l) => this.get(l, wasmType(b.dtype))) };
    }
  }

  // --- expressions --------------------------------------------------------------------------------
  private val(e: ir.Expr): Val {
    return e.lanes === 1 ? { rep: 'scalar', dtype: e.dtype, e: this.scalar(e) } : this.vector(e);
  }

  scalar(e: ir.Expr): X {
    const m = this.m;
    switch (e.kind) {
      case 'const': return scalarConst(m, e.dtype, e.value);
      case 'var': return (this.read(e.v) as ScalarVal).e;
      case 'binary': return scalarBinary(this, e.op, e.dtype, this.scalar(e.a), this.scalar(e.b), ir.constValue(e.b));
      case 'cmp': return scalarCmp(m, e.op, e.a.dtype, this.scalar(e.a), this.scalar(e.b));
      case 'not': return m.i32.eqz(this.scalar(e.a));
      case 'select': {
        const c = this.scalar(e.cond);
        if (!hasLoad(e.t) && !hasLoad(e.f)) return m.select(c, this.scalar(e.t), this.scalar(e.f));
        const [pt, t] = this.scoped(() => this.scalar(e.t));
        const [pf, f] = this.scoped(() => this.scalar(e.f));
        const type = wasmType(e.dtype);
        return m.if(c, pt.length ? m.block(null, [...pt, t], type) : t, pf.length ? m.block(null, [...pf, f], type) : f);
      }
      case 'cast': return scalarCast(m, e.value.dtype, e.dtype, this.scalar(e.value));
      case 'reinterpret': return scalarReinterpret(m, e.value.dtype, e.dtype, this.scalar(e.value));
      case 'call': return this.scalarCall(e.fn, e.dtype, e.args.map((a) => this.scalar(a)));
      case 'load': {
        const b = this.bufferOf(e.buffer);
        if (b.kind === 'register') return this.registerElement(b, e.buffer, e.index);
        const { ptr, offset } = this.address(b, e.buffer, e.index);
        return scalarLoad(m, e.buffer.dtype, offset, ptr);
      }
      case 'let': {
        this.bindLet(e.v, e.value);
        return this.scalar(e.body);
      }
      default:
        throw new CodegenError('internal', `internal: ${e.kind} is not a scalar expression (${printExpr(e)})`);
    }
  }

  private scalarCall(fn: ir.MathFn, t: DType, args: X[]): X {
    const m = this.m;
    const f = t === 'f64' ? m.f64 : m.f32;
    if (!isFloat(t)) {
      if (fn !== 'abs') throw new CodegenError('unsupported', `${fn} of ${t}`);
      if (t === 'u8' || t === 'u16' || t === 'u32') return args[0]!;
      const a = this.share(args[0]!, binaryen.i32);
      return scalarCast(m, 'i32', t, m.select(m.i32.lt_s(a(), m.i32.const(0)), m.i32.sub(m.i32.const(0), a()), a()));
    }
    switch (fn) {
      case 'sqrt': return f.sqrt(args[0]!);
      case 'abs': return f.abs(args[0]!);
      case 'floor': return f.floor(args[0]!);
      case 'ceil': return f.ceil(args[0]!);
      case 'trunc': return f.trunc(args[0]!);
      case 'round': return f.nearest(args[0]!);
      case 'exp': case 'log': case 'tanh': case 'sigmoid': case 'erf':
        if (t === 'f32' || fn === 'sigmoid' || fn === 'erf') throw new CodegenError('internal', `internal: ${fn} of ${t} reached code generation (lowering expands it into arithmetic)`);
        return this.importedCall(fn, t, args);
      default: return this.importedCall(fn, t, args);
    }
  }

  /** A call of the host's Math function, computed in f64 (one call per lane). */
  private importedCall(fn: ir.MathFn, t: DType, args: X[]): X {
    const m = this.m;
    this.mathImports.add(fn);
    const wide = args.map((a) => (t === 'f64' ? a : m.f64.promote(a)));
    const r = m.call(`Math.${fn}`, wide, binaryen.f64);
    return t === 'f64' ? r : m.f32.demote(r);
  }

  private vector(e: ir.Expr): VecVal {
    const m = this.m;
    const L = e.lanes;
    switch (e.kind) {
      case 'var': return this.read(e.v) as VecVal;
      case 'broadcast': {
        const laneBits = e.dtype === 'bool' ? Math.max(8, Math.min(64, 128 / L)) : bits(e.dtype);
        if (!fitsSimd(L, laneBits)) {
          const s = this.share(this.scalar(e.value), wasmType(e.dtype));
          return { rep: 'lanes', dtype: e.dtype, lanes: Array.from({ length: L }, () => s()) };
        }
        const n = (L * laneBits) / 128;
        const sh = shapeOf(e.dtype, laneBits);
        let one: X;
        const v = e.value;
        const b = v.kind === 'load' ? this.bufferOf(v.buffer) : undefined;
        if (v.kind === 'load' && b?.kind === 'memory' && e.dtype !== 'bool') {
          const { ptr, offset } = this.address(b, v.buffer, v.index);
          const splatLoad = { 8: m.v128.load8_splat, 16: m.v128.load16_splat, 32: m.v128.load32_splat, 64: m.v128.load64_splat }[laneBits]!;
          one = splatLoad.call(m.v128, offset, laneBits / 8, ptr);
        } else {
          const s = this.scalar(v);
          one = splat(m, sh, e.dtype === 'bool' ? (laneBits === 64 ? m.i64.extend_s(m.i32.sub(m.i32.const(0), s)) : m.i32.sub(m.i32.const(0), s)) : s);
        }
        if (n === 1) return { rep: 'simd', dtype: e.dtype, lanes: L, laneBits, chunks: [one] };
        const g = this.shareV128(one);
        return { rep: 'simd', dtype: e.dtype, lanes: L, laneBits, chunks: Array.from({ length: n }, () => g()) };
      }
      case 'ramp': {
        if (e.dtype !== 'i32' || !fitsSimd(L, 32)) return this.rampLanes(e);
        const base = this.share(this.scalar(e.base), binaryen.i32);
        const cs = ir.constValue(e.stride);
        const stride = cs === undefined ? this.share(this.scalar(e.stride), binaryen.i32) : undefined;
        const chunks: X[] = [];
        for (let c = 0; c < L / 4; c++) {
          const idx = [0, 1, 2, 3].map((j) => c * 4 + j);
          const step = cs !== undefined ? constChunk(m, 'i32', 32, idx.map((j) => j * cs)) : m.i32x4.mul(splat(m, 'i32x4', stride!()), constChunk(m, 'i32', 32, idx));
          chunks.push(m.i32x4.add(splat(m, 'i32x4', base()), step));
        }
        return { rep: 'simd', dtype: 'i32', lanes: L, laneBits: 32, chunks };
      }
      case 'binary': return this.vectorBinary(e);
      case 'cmp': {
        const a = this.vector(e.a), b = this.vector(e.b);
        const t = e.a.dtype;
        if (a.rep === 'simd' && b.rep === 'simd' && t !== 'bool') {
          const chunks = a.chunks.map((x, i) => simdCmp(m, e.op, t, x, b.chunks[i]!));
          if (chunks.every((c) => c !== undefined)) return { rep: 'simd', dtype: 'bool', lanes: L, laneBits: bits(t), chunks: chunks as X[] };
        }
        const la = this.lanesOf(a), lb = this.lanesOf(b);
        return { rep: 'lanes', dtype: 'bool', lanes: la.map((x, i) => scalarCmp(m, e.op, t, x, lb[i]!)) };
      }
      case 'not': {
        const a = this.vector(e.a);
        if (a.rep === 'simd') return { ...a, chunks: a.chunks.map((c) => m.v128.not(c)) };
        return { rep: 'lanes', dtype: 'bool', lanes: a.lanes.map((x) => m.i32.eqz(x)) };
      }
      case 'select': return this.vectorSelect(e);
      case 'cast': {
        const v = this.vector(e.value);
        if (v.rep === 'simd' && fitsSimd(L, laneBitsOf(e.dtype))) {
          const chunks = simdCast(m, e.value.dtype, e.dtype, v.chunks, this.shareV128);
          if (chunks) return { rep: 'simd', dtype: e.dtype, lanes: L, laneBits: laneBitsOf(e.dtype), chunks };
        }
        return { rep: 'lanes', dtype: e.dtype, lanes: this.lanesOf(v).map((x) => scalarCast(m, e.value.dtype, e.dtype, x)) };
      }
      case 'reinterpret': {
        // v128 chunks hold the bits: only the lanes' type changes.
        const v = this.vector(e.value);
        if (v.rep === 'simd') return { ...v, dtype: e.dtype };
        return { rep: 'lanes', dtype: e.dtype, lanes: v.lanes.map((x) => scalarReinterpret(m, e.value.dtype, e.dtype, x)) };
      }
      case 'call': {
        if (e.args.length === 1) {
          const a = this.vector(e.args[0]!);
          if (a.rep === 'simd') {
            const chunks = a.chunks.map((c) => simdCall(m, e.fn, e.dtype, c));
            if (chunks.every((c) => c !== undefined)) return { ...a, chunks: chunks as X[] };
          }
          return { rep: 'lanes', dtype: e.dtype, lanes: this.lanesOf(a).map((x) => this.scalarCall(e.fn, e.dtype, [x])) };
        }
        const args = e.args.map((a) => this.lanesOf(this.vector(a)));
        return { rep: 'lanes', dtype: e.dtype, lanes: args[0]!.map((_, i) => this.scalarCall(e.fn, e.dtype, args.map((a) => a[i]!))) };
      }
      case 'load': return this.vectorLoad(e);
      case 'let': {
        this.bindLet(e.v, e.value);
        return this.vector(e.body);
      }
      default:
        throw new CodegenError('internal', `internal: ${e.kind} is not a vector expression (${printExpr(e)})`);
    }
  }

  private rampLanes(e: ir.Ramp): VecVal {
    const base = this.share(this.scalar(e.base), wasmType(e.dtype));
    const stride = this.share(this.scalar(e.stride), wasmType(e.dtype));
    const lanes = Array.from({ length: e.lanes }, (_, i) => scalarBinary(this, 'add', e.dtype, base(), scalarBinary(this, 'mul', e.dtype, stride(), scalarConst(this.m, e.dtype, i))));
    return { rep: 'lanes', dtype: e.dtype, lanes };
  }

  private vectorBinary(e: ir.Binary): VecVal {
    const m = this.m;
    const L = e.lanes;
    const product = this.ctx.relaxedMadd ? multiplyAddend(e) : undefined;
    if (product) return this.multiplyAdd(product.a, product.b, product.c, product.productFirst);
    let a = this.vector(e.a);
    let b = this.vector(e.b);
    const cb = ir.constValue(e.b);
    if (a.rep === 'simd' && b.rep === 'simd') {
      // Every rewrite of an operand's chunks replaces the operand, so a fallback never reuses a node.
      if (e.dtype === 'bool' && a.laneBits !== b.laneBits) b = { ...b, laneBits: a.laneBits, chunks: convertMask(m, b.chunks, b.laneBits, a.laneBits, this.shareV128) };
      // These lowerings read an operand twice: evaluate it into a local first.
      if (e.op === 'div' || e.op === 'mod' || (e.op === 'mul' && bits(e.dtype) === 8)) {
        a = { ...a, chunks: a.chunks.map((c) => this.shareV128(c)()) };
        b = { ...(b as SimdVal), chunks: (b as SimdVal).chunks.map((c) => this.shareV128(c)()) };
      }
      const sa = a, sb = b as SimdVal;
      const bScalar = e.b.kind === 'broadcast' ? () => this.scalar((e.b as ir.Broadcast).value) : undefined;
      const t = e.dtype === 'bool' ? (sa.laneBits === 32 ? 'i32' : sa.laneBits === 16 ? 'i16' : sa.laneBits === 8 ? 'i8' : 'i32') : e.dtype;
      // Probe on copies, so that an unsupported operation consumes nothing.
      const supported = simdBinary(m, e.op, t, m.copyExpression(sa.chunks[0]!), m.copyExpression(sb.chunks[0]!), cb, bScalar) !== undefined;
      if (supported) {
        const chunks = sa.chunks.map((c, i) => simdBinary(m, e.op, t, c, sb.chunks[i]!, cb, bScalar)!);
        return { rep: 'simd', dtype: e.dtype, lanes: L, laneBits: sa.laneBits, chunks };
      }
    }
    const la = this.lanesOf(a), lb = this.lanesOf(b);
    return { rep: 'lanes', dtype: e.dtype, lanes: la.map((x, i) => scalarBinary(this, e.op, e.dtype, x, lb[i]!, cb)) };
  }

  /**
   * x * y + z on f32 vectors: one relaxed_madd per chunk when all three are chunks, else lane by
   * lane as mul then add (`productFirst` keeps the order of the add's operands).
   */
  private multiplyAdd(x: ir.Expr, y: ir.Expr, z: ir.Expr, productFirst: boolean): VecVal {
    const a = this.vector(x), b = this.vector(y), c = this.vector(z);
    if (a.rep === 'simd' && b.rep === 'simd' && c.rep === 'simd') {
      this.ctx.madds += a.chunks.length;
      return { ...c, chunks: a.chunks.map((ch, i) => relaxedMadd(this.m, ch, b.chunks[i]!, c.chunks[i]!)) };
    }
    const la = this.lanesOf(a), lb = this.lanesOf(b), lc = this.lanesOf(c);
    const lanes = la.map((l, i) => {
      const p = scalarBinary(this, 'mul', 'f32', l, lb[i]!);
      return productFirst ? scalarBinary(this, 'add', 'f32', p, lc[i]!) : scalarBinary(this, 'add', 'f32', lc[i]!, p);
    });
    return { rep: 'lanes', dtype: 'f32', lanes };
  }

  private vectorSelect(e: ir.Select): VecVal {
    const m = this.m;
    if (e.cond.lanes === 1) {
      // Lazy: only the chosen arm runs, its result left in locals.
      const c = this.scalar(e.cond);
      const [pt, t] = this.scoped(() => this.toSimdOrLanes(this.vector(e.t)));
      const [pf, f] = this.scoped(() => this.toSimdOrLanes(this.vector(e.f)));
      const parts = (v: VecVal) => (v.rep === 'simd' ? v.chunks : v.lanes);
      const types = (v: VecVal) => (v.rep === 'simd' ? v.chunks.map(() => binaryen.v128) : v.lanes.map(() => wasmType(v.dtype)));
      // Both arms must agree on representation; fall back to lanes if they do not.
      let tv = t, fv = f;
      if (tv.rep !== fv.rep || (tv.rep === 'simd' && fv.rep === 'simd' && tv.laneBits !== fv.laneBits)) {
        tv = { rep: 'lanes', dtype: e.dtype, lanes: this.lanesOfIn(pt, tv) };
        fv = { rep: 'lanes', dtype: e.dtype, lanes: this.lanesOfIn(pf, fv) };
      }
      const locals = types(tv).map((ty) => this.newLocal(ty));
      const setAll = (pre: X[], v: VecVal) => m.block(null, [...pre, ...parts(v).map((x, i) => m.local.set(locals[i]!, x))]);
      this.prelude.push(m.if(c, setAll(pt, tv), setAll(pf, fv)));
      const ty = types(tv);
      const reads = locals.map((l, i) => this.get(l, ty[i]!));
      return tv.rep === 'simd' ? { ...tv, chunks: reads } : { rep: 'lanes', dtype: e.dtype, lanes: reads };
    }
    const c = this.vector(e.cond), t = this.vector(e.t), f = this.vector(e.f);
    if (c.rep === 'simd' && t.rep === 'simd' && f.rep === 'simd') {
      const mask = c.laneBits === t.laneBits ? c.chunks : convertMask(m, c.chunks, c.laneBits, t.laneBits, this.shareV128);
      return { ...t, chunks: t.chunks.map((x, i) => m.v128.bitselect(x, f.chunks[i]!, mask[i]!)) };
    }
    const lc = this.lanesOf(c), lt = this.lanesOf(t), lf = this.lanesOf(f);
    return { rep: 'lanes', dtype: e.dtype, lanes: lc.map((x, i) => m.select(x, lt[i]!, lf[i]!)) };
  }

  private toSimdOrLanes(v: VecVal): VecVal { return v; }
  /** Lanes of `v`, sharing through the given prelude (used where the current prelude is another's). */
  private lanesOfIn(pre: X[], v: VecVal): X[] {
    const saved = this.prelude;
    this.prelude = pre;
    try { return this.lanesOf(v); } finally { this.prelude = saved; }
  }

  /** The lanes of a vector as scalar expressions (each usable once). */
  private lanesOf(v: VecVal): X[] {
    if (v.rep === 'lanes') return [...v.lanes];
    const per = lanesPerChunk(v.laneBits);
    const out: X[] = [];
    for (const c of v.chunks) {
      const g = this.shareV128(c);
      for (let i = 0; i < per && out.length < v.lanes; i++) out.push(extractLane(this.m, v.dtype, v.laneBits, g(), i));
    }
    return out;
  }

  /** Packs scalar lanes into chunks. */
  private packLanes(dtype: DType, lanes: readonly X[]): SimdVal {
    const laneBits = laneBitsOf(dtype);
    const per = lanesPerChunk(laneBits);
    const sh = shapeOf(dtype, laneBits);
    const chunks: X[] = [];
    for (let c = 0; c < lanes.length / per; c++) {
      let chunk = splat(this.m, sh, dtype === 'bool' ? this.m.i32.sub(this.m.i32.const(0), lanes[c * per]!) : lanes[c * per]!);
      for (let i = 1; i < per; i++) chunk = replaceLane(this.m, dtype, laneBits, chunk, i, lanes[c * per + i]!);
      chunks.push(chunk);
    }
    return { rep: 'simd', dtype, lanes: lanes.length, laneBits, chunks };
  }

  private vectorLoad(e: ir.Load): VecVal {
    const m = this.m;
    const b = this.bufferOf(e.buffer);
    const t = e.dtype;
    const L = e.lanes;
    if (b.kind === 'register') {
      const slots = this.registerSlot(b, e.buffer, e.index, L);
      return fitsSimd(b.slotLanes, bits(t)) ? { rep: 'simd', dtype: t, lanes: L, laneBits: bits(t), chunks: slots } : { rep: 'lanes', dtype: t, lanes: slots };
    }
    if (e.index.kind === 'ramp' && ir.constValue(e.index.stride) === 1 && fitsSimd(L, bits(t))) {
      const { ptr, offset } = this.address(b, e.buffer, e.index.base);
      const n = (L * bits(t)) / 128;
      const p = n > 1 ? this.share(ptr, binaryen.i32) : () => ptr;
      const chunks = Array.from({ length: n }, (_, i) => m.v128.load(offset + i * 16, bytes(t), p()));
      return { rep: 'simd', dtype: t, lanes: L, laneBits: bits(t), chunks };
    }
    if (e.index.kind === 'ramp' && ir.constValue(e.index.stride) === 2 && t !== 'bool' && fitsSimd(L, bits(t))) return this.strideTwoLoad(b, e.buffer, e.index.base, t, L);
    // Gather: lane by lane.
    const idx = this.lanesOf(this.vector(e.index));
    const lanes = idx.map((i) => scalarLoad(m, t, 0, this.scaledAddress(b.base, i, bytes(t))));
    return fitsSimd(L, bits(t)) ? this.packLanes(t, lanes) : { rep: 'lanes', dtype: t, lanes };
  }

  /**
   * A load of lanes base, base + 2, ..., base + 2(L - 1) (a stride-2 ramp: the even elements, as a
   * stride-2 convolution or pooling window reads them): per output vector of p lanes, two contiguous
   * vector loads and one i8x16.shuffle keeping the even elements, instead of p scalar loads. The second
   * load of each pair starts one element early, so no byte past the last element read is touched.
   */
  private strideTwoLoad(b: BufferBinding & { kind: 'memory' }, buf: ir.Buffer, base: ir.Expr, t: DType, L: number): VecVal {
    const m = this.m;
    const w = bytes(t), p = 16 / w;
    const { ptr, offset } = this.address(b, buf, base);
    const at = this.share(ptr, binaryen.i32);
    const mask: number[] = [];
    for (let i = 0; i < p; i++) {
      const e = 2 * i;
      const lane = e < p ? e * w : 16 + (e - p + 1) * w;
      for (let k = 0; k < w; k++) mask.push(lane + k);
    }
    const chunks = Array.from({ length: (L * w) / 16 }, (_, j) => {
      const first = m.v128.load(offset + 2 * j * 16, w, at());
      const second = m.v128.load(offset + (2 * j + 1) * 16 - w, w, at());
      return m.i8x16.shuffle(first, second, mask);
    });
    return { rep: 'simd', dtype: t, lanes: L, laneBits: bits(t), chunks };
  }

  // --- memory ---------------------------------------------------------------------------------------
  private bufferOf(buf: ir.Buffer): BufferBinding {
    const b = this.buffers.get(buf);
    if (!b) throw new CodegenError('internal', `internal: buffer ${buf.name} is not allocated here`);
    return b;
  }
  private scaledAddress(base: number, index: X, size: number): X {
    const m = this.m;
    const scaled = size === 1 ? index : m.i32.shl(index, m.i32.const(Math.log2(size)));
    return m.i32.add(this.get(base, binaryen.i32), scaled);
  }
  /** Whether i32 scalar `e` is provably >= 0 from the variables known to be (a syntactic check). */
  private isNonNegative(e: ir.Expr): boolean {
    if (e.lanes !== 1 || e.dtype !== 'i32') return false;
    switch (e.kind) {
      case 'const': return e.value >= 0;
      case 'var': return this.nonNegative.has(e.v);
      case 'binary': {
        const c = ir.constValue(e.b);
        switch (e.op) {
          case 'add': case 'mul': case 'min': return this.isNonNegative(e.a) && this.isNonNegative(e.b);
          case 'max': return this.isNonNegative(e.a) || this.isNonNegative(e.b);
          case 'div': return c !== undefined && c > 0 && this.isNonNegative(e.a);
          case 'mod': return c !== undefined && c > 0; // the Euclidean remainder
          default: return false;
        }
      }
      default: return false;
    }
  }

  /** Byte address of element `index` of `buf`: a pointer plus a constant offset folded from the index. */
  private address(b: BufferBinding & { kind: 'memory' }, buf: ir.Buffer, index: ir.Expr): { ptr: X; offset: number } {
    const size = bytes(buf.dtype);
    let rest: ir.Expr | undefined = index;
    let c = 0;
    const ci = ir.constValue(index);
    if (ci !== undefined && index.lanes === 1) { rest = undefined; c = ci; }
    else if (index.kind === 'binary' && index.op === 'add') {
      const k = ir.constValue(index.b);
      if (k !== undefined) { rest = index.a; c = k; }
    }
    if (c < 0 || c * size > 0x7fffffff || (rest && !this.isNonNegative(rest))) { rest = index; c = 0; }
    const ptr = rest ? this.scaledAddress(b.base, this.scalar(rest), size) : this.get(b.base, binaryen.i32);
    return { ptr, offset: c * size };
  }
  /** One element of a register-promoted buffer, read at a constant index: its slot's local, or a lane of it. */
  private registerElement(b: BufferBinding & { kind: 'register' }, buf: ir.Buffer, index: ir.Expr): X {
    if (b.slotLanes === 1) return this.registerSlot(b, buf, index, 1)[0]!;
    const at = this.registerLane(b, buf, index);
    if (at.lane === undefined) return this.get(at.local, wasmType(buf.dtype));
    return extractLane(this.m, buf.dtype, bits(buf.dtype), this.get(at.local, binaryen.v128), at.lane);
  }
  /** Writes one element of a register-promoted buffer with vector slots, at a constant index: its lane replaced. */
  private registerElementStore(b: BufferBinding & { kind: 'register' }, buf: ir.Buffer, index: ir.Expr, value: X): X {
    const at = this.registerLane(b, buf, index);
    if (at.lane === undefined) return this.m.local.set(at.local, value);
    return this.m.local.set(at.local, replaceLane(this.m, buf.dtype, bits(buf.dtype), this.get(at.local, binaryen.v128), at.lane, value));
  }
  /** Where element `index` (a constant) of a register buffer lives: a scalar local, or a lane of a v128 local. */
  private registerLane(b: BufferBinding & { kind: 'register' }, buf: ir.Buffer, index: ir.Expr): { local: number; lane?: number } {
    const k = ir.constValue(index);
    if (k === undefined) throw new CodegenError('internal', `internal: register buffer ${buf.name} accessed at ${printExpr(index)}`);
    const slot = b.slots[Math.floor(k / b.slotLanes)]!, lane = k % b.slotLanes;
    if (!fitsSimd(b.slotLanes, bits(buf.dtype))) return { local: slot[lane]! };
    const per = lanesPerChunk(bits(buf.dtype));
    return { local: slot[Math.floor(lane / per)]!, lane: lane % per };
  }
  /** The locals of a register-promoted buffer read or written at a constant index. */
  private registerSlot(b: BufferBinding & { kind: 'register' }, buf: ir.Buffer, index: ir.Expr, lanes: number): X[] {
    const start = ir.constValue(index.kind === 'ramp' ? index.base : index);
    if (start === undefined || lanes !== b.slotLanes || start % lanes !== 0) {
      throw new CodegenError('internal', `internal: register buffer ${buf.name} accessed at ${printExpr(index)}`);
    }
    const type = fitsSimd(lanes, bits(buf.dtype)) ? binaryen.v128 : wasmType(buf.dtype);
    return b.slots[start / lanes]!.map((l) => this.get(l, type));
  }

  // --- statements -----------------------------------------------------------------------------------
  private stmt(s: Stmt): X {
    const m = this.m;
    switch (s.kind) {
      case 'block': return m.block(null, this.blockStmts(s.stmts));
      case 'produce': return this.stmt(s.body);
      case 'letStmt': return this.statement(() => {
        this.bindLet(s.v, s.value);
        return this.stmt(s.body);
      });
      case 'if': return this.statement(() => m.if(this.scalar(s.cond), this.stmt(s.then), s.else ? this.stmt(s.else) : undefined));
      case 'assert': return this.statement(() => {
        this.messages.push(s.message);
        return m.if(m.i32.eqz(this.scalar(s.cond)), m.block(null, [m.call(ABORT_IMPORT, [m.i32.const(this.messages.length - 1)], binaryen.none), m.unreachable()]));
      });
      case 'for': return this.forLoop(s);
      case 'store': return this.statement(() => this.store(s));
      case 'allocate': return this.allocate(s);
      case 'provide': case 'realize':
        throw new CodegenError('internal', `internal: ${s.kind} of ${s.func.name} reached code generation`);
      case 'barrier': throw new CodegenError('internal', 'internal: a GPU barrier reached WebAssembly code generation');
    }
  }

  private forLoop(s: Stmt & { kind: 'for' }): X {
    const m = this.m;
    if (s.forKind === 'gpu_block' || s.forKind === 'gpu_thread') {
      throw new CodegenError('gpu-loop-on-wasm', `loop ${s.v.name} is bound to the GPU grid (${s.forKind}); compile with the webgpu target, or remove the binding for wasm`);
    }
    if (s.forKind === 'parallel' && this.ctx.threads && !this.insideTask) return this.outline(s, 'pool');
    if (this.ctx.chunked && !this.insideTask && this.loopDepth === 0 && this.outlinable(s)) return this.outline(s, 'chunks');
    return this.statement(() => {
      const i = this.newLocal(binaryen.i32), end = this.newLocal(binaryen.i32);
      this.vars.set(s.v, { rep: 'scalar', local: i, dtype: 'i32' });
      if (this.isNonNegative(s.min)) this.nonNegative.add(s.v);
      const label = `l${this.labels++}`;
      const get = (l: number) => this.get(l, binaryen.i32);
      const init = [m.local.set(i, this.scalar(s.min)), m.local.set(end, m.i32.add(get(i), this.scalar(s.extent)))];
      this.loopDepth++;
      const body = this.stmt(s.body);
      this.loopDepth--;
      return m.block(`${label}_exit`, [
        ...init,
        m.br(`${label}_exit`, m.i32.ge_s(get(i), get(end))),
        m.loop(label, m.block(null, [
          body,
          m.local.set(i, m.i32.add(get(i), m.i32.const(1))),
          m.br(label, m.i32.lt_s(get(i), get(end))),
        ])),
      ]);
    });
  }

  /** Whether `s` can become a chunk function: more than one iteration, no register tile allocated outside it used inside, no parallel loop for the pool inside. */
  private outlinable(s: Stmt & { kind: 'for' }): boolean {
    const extent = ir.constValue(s.extent);
    if (extent !== undefined && extent < 2) return false;
    let ok = true;
    // A parallel loop inside stays the kernel's, for the pool.
    if (this.ctx.threads) walkStmt(s.body, (x) => { if (x.kind === 'for' && x.forKind === 'parallel') ok = false; });
    const allocated = new Set<ir.Buffer>();
    walkStmt(s.body, (x) => { if (x.kind === 'allocate') allocated.add(x.buffer); });
    walkStmt(s.body, (x) => {
      const touch = (b: ir.Buffer) => { if (!allocated.has(b) && this.buffers.get(b)?.kind === 'register') ok = false; };
      if (x.kind === 'store') touch(x.buffer);
      for (const e of stmtExprs(x)) ir.walkExpr(e, (y) => { if (y.kind === 'load') touch(y.buffer); });
    });
    return ok;
  }

  /**
   * A loop becomes a function (scratch, closure, start, end) running iterations [start, end); the
   * kernel stores the values the body captures in a closure on its scratch stack, then
   *  - 'pool' (a parallel loop): exports it as task_N and calls env.parallel_for(task, closure, min,
   *    extent, scratch), which the runtime runs on its thread pool (or serially without one);
   *    parallel loops inside a task run serially on its thread;
   *  - 'chunks' (an outermost loop of a chunked module): calls it directly on CHUNK_CALLS chunks of
   *    the iterations. V8 runs a function's first call in its baseline tier (Liftoff) to the end and
   *    tiers it up in the background (dynamic tiering); a kernel run once, as in a model's first
   *    inference, so ran all of it there, several times slower. Calls on chunks let the later chunks
   *    run the optimized code as soon as it is ready.
   */
  private outline(s: Stmt & { kind: 'for' }, mode: 'pool' | 'chunks'): X {
    const m = this.m;
    const inside = varsDefinedIn(s.body);
    const usedVars = new Set<ir.Var>();
    const usedBuffers = new Set<ir.Buffer>();
    const allocated = new Set<ir.Buffer>();
    walkStmt(s.body, (x) => {
      if (x.kind === 'store') usedBuffers.add(x.buffer);
      if (x.kind === 'allocate') allocated.add(x.buffer);
      for (const e of stmtExprs(x)) ir.walkExpr(e, (y) => {
        if (y.kind === 'var' && !inside.has(y.v) && y.v !== s.v) usedVars.add(y.v);
        if (y.kind === 'load') usedBuffers.add(y.buffer);
      });
    });
    const captures = [...usedVars].map((v) => [v, this.vars.get(v)] as const);
    const buffers = [...usedBuffers].filter((b) => !allocated.has(b)).map((b) => [b, this.bufferOf(b)] as const);
    for (const [b, bb] of buffers) {
      if (bb.kind === 'register') throw new CodegenError('register-tile-outside-parallel', `the register tile ${b.name} is allocated outside the parallel loop ${s.v.name} and used inside it; compute it inside the loop`);
    }
    let size = 0;
    const layout: [ir.Var, Binding, number][] = [];
    for (const [v, b] of captures) {
      if (!b) throw new CodegenError('internal', `internal: ${v.name} captured by ${s.v.name} has no binding`);
      size = b.rep === 'simd' ? (size + 15) & ~15 : size;
      layout.push([v, b, size]);
      size += slotBytes(b);
    }
    const bufferSlots = buffers.map(([b, bb]) => { const off = size; size += 8; return [b, bb as BufferBinding & { kind: 'memory' }, off] as const; });
    // The task's own function.
    const index = mode === 'pool' ? this.ctx.tasks.length : this.ctx.chunkFunctions++;
    const name = mode === 'pool' ? taskExportName(index) : `chunk_${index}`;
    if (mode === 'pool') this.ctx.tasks.push(name);
    const task = new FunctionEmitter(m, this.f, this.ctx, true);
    for (const v of this.nonNegative) task.nonNegative.add(v);
    for (const [v, lanes] of this.lanesOfVar) task.lanesOfVar.set(v, lanes);
    if (this.isNonNegative(s.min)) task.nonNegative.add(s.v);
    task.emitTask(name, s, layout, bufferSlots);
    // The call.
    return this.statement(() => {
      const closure = this.newLocal(binaryen.i32);
      const sp = () => this.get(this.spLocal, binaryen.i32);
      const writes: X[] = [m.local.set(closure, sp()), m.local.set(this.spLocal, m.i32.add(sp(), m.i32.const((size + 15) & ~15)))];
      const at = () => this.get(closure, binaryen.i32);
      for (const [, b, off] of layout) {
        if (b.rep === 'scalar') writes.push(scalarStore(m, b.dtype === 'f32' || b.dtype === 'f64' ? b.dtype : 'i32', off, at(), this.get(b.local, wasmType(b.dtype))));
        else if (b.rep === 'simd') b.locals.forEach((l, k) => writes.push(m.v128.store(off + 16 * k, 16, at(), this.get(l, binaryen.v128))));
        else b.locals.forEach((l, k) => writes.push(scalarStore(m, b.dtype === 'f32' || b.dtype === 'f64' ? b.dtype : 'i32', off + 8 * k, at(), this.get(l, wasmType(b.dtype)))));
      }
      for (const [, bb, off] of bufferSlots) writes.push(m.i32.store(off, 4, at(), this.get(bb.base, binaryen.i32)));
      const min = this.share(this.scalar(s.min), binaryen.i32);
      if (mode === 'pool') {
        writes.push(m.call(PARALLEL_FOR_IMPORT, [m.i32.const(index), at(), min(), this.scalar(s.extent), sp()], binaryen.none));
      } else {
        const start = this.newLocal(binaryen.i32), end = this.newLocal(binaryen.i32), step = this.newLocal(binaryen.i32), next = this.newLocal(binaryen.i32);
        const i32 = (l: number) => this.get(l, binaryen.i32);
        const label = `l${this.labels++}`;
        writes.push(
          m.local.set(start, min()),
          m.local.set(end, m.i32.add(i32(start), this.scalar(s.extent))),
          // ceil(extent / CHUNK_CALLS), at least 1
          m.local.set(step, m.i32.div_s(m.i32.add(m.i32.sub(i32(end), i32(start)), m.i32.const(CHUNK_CALLS - 1)), m.i32.const(CHUNK_CALLS))),
          m.local.set(step, m.select(m.i32.gt_s(i32(step), m.i32.const(1)), i32(step), m.i32.const(1))),
          m.block(`${label}_exit`, [
            m.br(`${label}_exit`, m.i32.ge_s(i32(start), i32(end))),
            m.loop(label, m.block(null, [
              m.local.set(next, m.i32.add(i32(start), i32(step))),
              m.call(name, [sp(), at(), i32(start), m.select(m.i32.lt_s(i32(next), i32(end)), i32(next), i32(end))], binaryen.none),
              m.local.set(start, i32(next)),
              m.br(label, m.i32.lt_s(i32(start), i32(end))),
            ])),
          ]),
        );
      }
      writes.push(m.local.set(this.spLocal, at()));
      return m.block(null, writes);
    });
  }

  /** Emits an outlined parallel loop body as an exported task (scratch, closure, start, end). */
  private emitTask(name: string, s: Stmt & { kind: 'for' }, layout: readonly [ir.Var, Binding, number][], bufferSlots: readonly (readonly [ir.Buffer, BufferBinding, number])[]): void {
    const m = this.m;
    const closure = () => this.get(1, binaryen.i32);
    const loads: X[] = [];
    for (const [v, b, off] of layout) {
      const storeType = b.dtype === 'f32' || b.dtype === 'f64' ? b.dtype : 'i32';
      if (b.rep === 'scalar') {
        const l = this.newLocal(wasmType(b.dtype));
        loads.push(m.local.set(l, scalarLoad(m, storeType, off, closure())));
        this.vars.set(v, { rep: 'scalar', local: l, dtype: b.dtype });
      } else if (b.rep === 'simd') {
        const locals = b.locals.map((_, k) => { const l = this.newLocal(binaryen.v128); loads.push(m.local.set(l, m.v128.load(off + 16 * k, 16, closure()))); return l; });
        this.vars.set(v, { ...b, locals });
      } else {
        const locals = b.locals.map((_, k) => { const l = this.newLocal(wasmType(b.dtype)); loads.push(m.local.set(l, scalarLoad(m, storeType, off + 8 * k, closure()))); return l; });
        this.vars.set(v, { ...b, locals });
      }
    }
    for (const [buf, , off] of bufferSlots) {
      const l = this.newLocal(binaryen.i32);
      loads.push(m.local.set(l, m.i32.load(off, 4, closure())));
      this.buffers.set(buf, { kind: 'memory', base: l });
    }
    const i = this.newLocal(binaryen.i32);
    this.vars.set(s.v, { rep: 'scalar', local: i, dtype: 'i32' });
    const get = (l: number) => this.get(l, binaryen.i32);
    const body = this.stmt(s.body);
    const loop = m.block('exit', [
      m.local.set(i, get(2)),
      m.br('exit', m.i32.ge_s(get(i), get(3))),
      m.loop('next', m.block(null, [body, m.local.set(i, m.i32.add(get(i), m.i32.const(1))), m.br('next', m.i32.lt_s(get(i), get(3)))])),
    ]);
    const params = binaryen.createType([binaryen.i32, binaryen.i32, binaryen.i32, binaryen.i32]);
    m.addFunction(name, params, binaryen.none, this.localTypes, m.block(null, [...loads, loop]));
    // Exported, a chunk function is also kept whole: binaryen inlines a function of one caller only
    // when nothing else can reach it.
    m.addFunctionExport(name, name);
  }

  /** A block's statements, each run of four stores that writes a 4x4 block transposed as one group. */
  private blockStmts(stmts: readonly Stmt[]): X[] {
    const out: X[] = [];
    for (let i = 0; i < stmts.length;) {
      const group = transposedStores(stmts, i);
      if (group && this.bufferOf(group.stores[0].buffer).kind === 'memory') {
        out.push(this.statement(() => this.transposedStore(group)));
        i += 4;
      } else {
        out.push(this.stmt(stmts[i]!));
        i++;
      }
    }
    return out;
  }

  /** Four stores writing a 4x4 block transposed (codegen/wasm/transposed_stores.ts): the values transposed, four vector stores. */
  private transposedStore(g: TransposedStores): X {
    const m = this.m;
    const buf = g.stores[0].buffer, t = buf.dtype;
    const b = this.bufferOf(buf) as BufferBinding & { kind: 'memory' };
    const rows = g.stores.map((s) => {
      const v = this.vector(s.value);
      const simd = v.rep === 'simd' && v.laneBits === 32 ? v : this.packLanes(t, this.lanesOf(v));
      return this.shareV128(simd.chunks[0]!);
    });
    const columns = transpose4x4(m, rows, this.shareV128);
    const { ptr, offset } = this.address(b, buf, g.base);
    const at = this.share(ptr, binaryen.i32);
    return m.block(null, columns.map((c, i) => m.v128.store(offset + i * g.stride * 4, 4, at(), c)));
  }

  private store(s: Stmt & { kind: 'store' }): X {
    const m = this.m;
    const b = this.bufferOf(s.buffer);
    const t = s.buffer.dtype;
    const L = s.value.lanes;
    if (b.kind === 'register' && L === 1 && b.slotLanes > 1) return this.registerElementStore(b, s.buffer, s.index, this.scalar(s.value));
    if (b.kind === 'register') {
      const v = this.val(s.value);
      const parts = v.rep === 'scalar' ? [v.e] : v.rep === 'simd' ? v.chunks : v.lanes;
      const slot = this.registerSlotLocals(b, s.buffer, s.index, L);
      return m.block(null, parts.map((x, i) => m.local.set(slot[i]!, x)));
    }
    if (L === 1) {
      const value = this.scalar(s.value);
      const { ptr, offset } = this.address(b, s.buffer, s.index);
      return scalarStore(m, t, offset, ptr, value);
    }
    let v = this.vector(s.value);
    if (s.index.kind === 'ramp' && ir.constValue(s.index.stride) === 1 && fitsSimd(L, bits(t))) {
      if (v.rep === 'lanes') v = this.packLanes(t, v.lanes);
      const chunks = (v as SimdVal).chunks;
      const { ptr, offset } = this.address(b, s.buffer, s.index.base);
      const p = chunks.length > 1 ? this.share(ptr, binaryen.i32) : () => ptr;
      return m.block(null, chunks.map((c, i) => m.v128.store(offset + i * 16, bytes(t), p(), c)));
    }
    const runs = this.denseStore(b, s.index, t, L, v);
    if (runs) return runs;
    const idx = this.lanesOf(this.vector(s.index));
    const lanes = this.lanesOf(v);
    return m.block(null, idx.map((i, k) => scalarStore(m, t, 0, this.scaledAddress(b.base, i, bytes(t)), lanes[k]!)));
  }

  /**
   * A store whose index is a scalar plus constant lane offsets that cover whole vectors of adjacent
   * elements (a row stored de-interleaved: lanes 0, 2, 4, 6 land on one run, 1, 3, 5, 7 on another):
   * per run, one i8x16.shuffle of at most two chunks of the value and one v128.store; lanes outside
   * any run are stored one by one. Undefined when the index has no such form or no run.
   */
  private denseStore(b: BufferBinding & { kind: 'memory' }, index: ir.Expr, t: DType, L: number, v: VecVal): X | undefined {
    const m = this.m;
    if (t === 'bool' || !fitsSimd(L, bits(t))) return undefined;
    const form = scalarPlusLanes(index, this.knownLanes);
    if (!form) return undefined;
    const w = bytes(t), per = 16 / w;
    const split = denseRuns(form.offsets, per);
    if (!split || split.runs.length === 0) return undefined;
    const value = v.rep === 'simd' && v.laneBits === bits(t) ? v : this.packLanes(t, this.lanesOf(v));
    const chunks = value.chunks.map((c) => this.shareV128(c));
    const folded = !form.scalar || this.isNonNegative(form.scalar);
    const base = this.share(form.scalar ? this.scaledAddress(b.base, this.scalar(form.scalar), w) : this.get(b.base, binaryen.i32), binaryen.i32);
    const at = (offset: number): { ptr: X; offset: number } =>
      folded && offset >= 0 && offset * w <= 0x7fffffff ? { ptr: base(), offset: offset * w } : { ptr: m.i32.add(base(), m.i32.const(offset * w)), offset: 0 };
    const out: X[] = [];
    const rest = [...split.rest];
    for (const run of split.runs) {
      const vec = this.runVector(run, chunks, per, w);
      if (!vec) { rest.push(...run.lanes); continue; }
      const a = at(run.start);
      out.push(m.v128.store(a.offset, w, a.ptr, vec));
    }
    for (const l of rest) {
      const a = at(form.offsets[l]!);
      out.push(scalarStore(m, t, a.offset, a.ptr, extractLane(m, t, bits(t), chunks[Math.floor(l / per)]!(), l % per)));
    }
    return m.block(null, out);
  }

  /** The vector of a run's lanes in element order: a chunk as is, or one shuffle of at most two chunks. */
  private runVector(run: LaneRun, chunks: readonly (() => X)[], per: number, w: number): X | undefined {
    const sources = [...new Set(run.lanes.map((l) => Math.floor(l / per)))];
    if (sources.length > 2) return undefined;
    const [first, second = first] = sources as [number, number?];
    if (sources.length === 1 && run.lanes.every((l, j) => l % per === j)) return chunks[first!]!();
    const mask: number[] = [];
    for (const l of run.lanes) {
      const lane = (Math.floor(l / per) === first ? 0 : per) + (l % per);
      for (let k = 0; k < w; k++) mask.push(lane * w + k);
    }
    return this.m.i8x16.shuffle(chunks[first!]!(), chunks[second!]!(), mask);
  }
  private registerSlotLocals(b: BufferBinding & { kind: 'register' }, buf: ir.Buffer, index: ir.Expr, lanes: number): readonly number[] {
    const start = ir.constValue(index.kind === 'ramp' ? index.base : index);
    if (start === undefined || lanes !== b.slotLanes || start % lanes !== 0) throw new CodegenError('internal', `internal: register buffer ${buf.name} written at ${printExpr(index)}`);
    return b.slots[start / lanes]!;
  }

  private allocate(s: Stmt & { kind: 'allocate' }): X {
    const m = this.m;
    const t = s.buffer.dtype;
    if (s.scope === 'register') {
      const size = ir.constValue(s.size)!;
      const slotLanes = registerSlotLanes(s.body, s.buffer) ?? 1;
      const simd = fitsSimd(slotLanes, bits(t));
      const perSlot = simd ? (slotLanes * bits(t)) / 128 : slotLanes;
      const slots = Array.from({ length: size / slotLanes }, () => Array.from({ length: perSlot }, () => this.newLocal(simd ? binaryen.v128 : wasmType(t))));
      this.buffers.set(s.buffer, { kind: 'register', slotLanes, slots });
      const body = this.stmt(s.body);
      this.buffers.delete(s.buffer);
      return body;
    }
    return this.statement(() => {
      const base = this.newLocal(binaryen.i32);
      const sp = () => this.get(this.spLocal, binaryen.i32);
      const sizeBytes = m.i32.and(m.i32.add(m.i32.mul(this.scalar(s.size), m.i32.const(bytes(t))), m.i32.const(15)), m.i32.const(~15));
      this.messages.push(`out of memory allocating ${s.buffer.name}`);
      const oom = this.messages.length - 1;
      const needed = m.i32.sub(m.i32.shr_u(m.i32.add(sp(), m.i32.const(65535)), m.i32.const(16)), m.memory.size());
      this.prelude.push(
        m.local.set(base, sp()),
        m.local.set(this.spLocal, m.i32.add(sp(), sizeBytes)),
        m.if(m.i32.gt_s(needed, m.i32.const(0)),
          m.if(m.i32.eq(m.memory.grow(m.i32.sub(m.i32.shr_u(m.i32.add(sp(), m.i32.const(65535)), m.i32.const(16)), m.memory.size())), m.i32.const(-1)),
            m.block(null, [m.call(ABORT_IMPORT, [m.i32.const(oom)], binaryen.none), m.unreachable()]))),
      );
      this.buffers.set(s.buffer, { kind: 'memory', base });
      const body = this.stmt(s.body);
      this.buffers.delete(s.buffer);
      return m.block(null, [body, m.local.set(this.spLocal, this.get(base, binaryen.i32))]);
    });
  }
}

/** The slot width of a register buffer: the widest access (register promotion aligns the others or reads single elements). */
function registerSlotLanes(s: Stmt, buf: ir.Buffer): number | undefined {
  let lanes: number | undefined;
  const widen = (n: number) => { lanes = Math.max(lanes ?? 0, n); };
  const see = (e: ir.Expr) => ir.walkExpr(e, (x) => { if (x.kind === 'load' && x.buffer === buf) widen(x.lanes); });
  const visit = (x: Stmt): void => {
    switch (x.kind) {
      case 'store': if (x.buffer === buf) widen(x.value.lanes); see(x.index); see(x.value); return;
      case 'for': see(x.min); see(x.extent); visit(x.body); return;
      case 'letStmt': see(x.value); visit(x.body); return;
      case 'if': see(x.cond); visit(x.then); if (x.else) visit(x.else); return;
      case 'block': x.stmts.forEach(visit); return;
      case 'allocate': case 'produce': visit(x.body); return;
      case 'assert': see(x.cond); return;
      default: return;
    }
  };
  visit(s);
  return lanes;
}
