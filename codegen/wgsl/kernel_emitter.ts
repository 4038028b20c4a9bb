/**
 * WGSL text of one kernel (WGSL spec, W3C): a compute entry point whose block loops read
 * workgroup_id, whose thread loops read local_invocation_id, over storage buffers bound in group 0
 * and the size parameters in a uniform block. Expressions become WGSL expressions; a value used more
 * than once (a ramp's base, a vector's lanes) is bound by a `let` emitted before the statement that
 * needs it, which is sound because every IR expression is pure and total (out-of-bounds loads return
 * some value under WebGPU's robust buffer access instead of trapping).
 */
import * as ir from '../../ir/expr.js';
import type { Stmt } from '../../ir/stmt.js';
import { isFloat, isSigned, type DType } from '../../ir/dtype.js';
import { printExpr } from '../../ir/printer.js';
import { GPU_DIMS } from '../../schedule/gpu_limits.js';
import type { ThreadDims } from '../../lower/gpu/thread_dims.js';
import { WgslNames } from './names.js';
import { WgslCodegenError, literal, scalarType, wgslType, wrapTo, isNarrowInt } from './types.js';
import { type KernelBuffer, type BufferRole, elementType, packedHelpers, loadElement, storeElement } from './buffer_access.js';
import { INT_HELPERS, type IntHelper } from './int_helpers.js';

export interface KernelSource {
  readonly name: string;
  /** Block loop variables, dimension x first. */
  readonly blockVars: readonly ir.Var[];
  readonly body: Stmt;
  readonly dims: ThreadDims;
  /** The pipeline's size parameters, in uniform-block order. */
  readonly params: readonly ir.Var[];
  /** Every buffer the body touches, with its role. */
  readonly buffers: ReadonlyMap<ir.Buffer, BufferRole>;
}

export interface EmittedKernel {
  readonly wgsl: string;
  /** Storage buffers in binding order (binding 0 is the uniform block when `usesParams`). */
  readonly bindings: readonly ir.Buffer[];
  readonly usesParams: boolean;
}

const LANE = ['x', 'y', 'z', 'w'];
const BINARY: Partial<Record<ir.BinOp, string>> = { add: '+', sub: '-', mul: '*', and: '&', or: '|', xor: '^' };
const CMP: Record<ir.CmpOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
/** WGSL builtins with Tessera's meaning; f32 exp, log, tanh, sigmoid and erf never get here (lower/expand_math.ts). */
const FLOAT_FNS = new Set<ir.MathFn>(['sqrt', 'abs', 'floor', 'ceil', 'round', 'trunc', 'sin', 'cos', 'tan', 'pow', 'atan2']);

/** @throws WgslCodegenError for what WGSL cannot express (f64, erf, a run-time check in a kernel) */
export function emitKernel(k: KernelSource): EmittedKernel {
  return new KernelEmitter(k).emit();
}

class KernelEmitter {
  private readonly names = new WgslNames();
  private readonly lines: string[] = [];
  private indent = '  ';
  private readonly buffers = new Map<ir.Buffer, KernelBuffer>();
  private readonly loaded = new Set<ir.Buffer>();
  private readonly stored = new Set<ir.Buffer>();
  private readonly helpers = new Set<IntHelper>();
  private readonly usedParams = new Set<ir.Var>();
  private readonly paramSet: ReadonlySet<ir.Var>;

  constructor(private readonly k: KernelSource) {
    this.paramSet = new Set(k.params);
    for (const p of k.params) this.names.of(p, p.name);
    for (const [b, role] of k.buffers) this.buffers.set(b, { buffer: b, role, name: this.names.of(b, b.name) });
  }

  emit(): EmittedKernel {
    this.stmt(this.k.body, false);
    const body = this.lines.join('\n');
    const bindings = [...this.buffers.values()].filter((b) => b.role === 'input' || b.role === 'output' || b.role === 'intermediate');
    const usesParams = this.usedParams.size > 0;
    const decl: string[] = [`// Tessera kernel ${this.k.name}`];
    if (usesParams) {
      decl.push(`struct Params {\n${this.k.params.map((p) => `  ${this.names.of(p, p.name)}: i32,`).join('\n')}\n}`);
      decl.push('@group(0) @binding(0) var<uniform> params: Params;');
    }
    bindings.forEach((b, i) => {
      const access = b.role === 'input' ? 'read' : 'read_write';
      decl.push(`@group(0) @binding(${i + (usesParams ? 1 : 0)}) var<storage, ${access}> ${b.name}: array<${elementType(b)}>;`);
    });
    for (const b of this.buffers.values()) {
      if (b.role === 'workgroup') decl.push(`var<workgroup> ${b.name}: array<${elementType(b)}, ${this.workgroupSizes.get(b.buffer)}>;`);
    }
    for (const b of bindings) {
      const h = packedHelpers(b, this.loaded.has(b.buffer), this.stored.has(b.buffer));
      if (h) decl.push(h);
    }
    for (const h of this.helpers) decl.push(h.source);
    const [x, y, z] = this.k.dims.workgroupSize;
    const prologue = [...this.usedParams].map((p) => `  let ${this.names.of(p, p.name)} = params.${this.names.of(p, p.name)};`);
    decl.push(`@compute @workgroup_size(${x}, ${y}, ${z})\nfn main(@builtin(workgroup_id) workgroup_id: vec3<u32>, @builtin(local_invocation_id) local_id: vec3<u32>) {\n${[...prologue, body].filter((l) => l).join('\n')}\n}\n`);
    return { wgsl: decl.join('\n'), bindings: bindings.map((b) => b.buffer), usesParams };
  }

  private readonly workgroupSizes = new Map<ir.Buffer, number>();

  private line(s: string): void { this.lines.push(this.indent + s); }
  private nested(f: () => void): void {
    const saved = this.indent;
    this.indent += '  ';
    f();
    this.indent = saved;
  }
  /** Binds `value` (of `e`'s type) to a fresh `let` and returns its name. */
  private bind(value: string, hint = 't'): string {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) || /^-?[0-9.]+[iuf]?$/.test(value)) return value;
    const t = this.names.temp(hint);
    this.line(`let ${t} = ${value};`);
    return t;
  }
  private buffer(b: ir.Buffer): KernelBuffer {
    const kb = this.buffers.get(b);
    if (!kb) throw new WgslCodegenError('internal', `internal: buffer ${b.name} has no role in kernel ${this.k.name}`);
    return kb;
  }

  // --- statements ---------------------------------------------------------------------------------
  private stmt(s: Stmt, inThreadNest: boolean): void {
    switch (s.kind) {
      case 'block': s.stmts.forEach((x) => this.stmt(x, inThreadNest)); return;
      case 'produce': this.line(`// produce ${s.func.name}`); this.stmt(s.body, inThreadNest); return;
      case 'letStmt': this.line(`let ${this.names.of(s.v, s.v.name)} = ${this.expr(s.value)};`); this.stmt(s.body, inThreadNest); return;
      case 'if': {
        this.line(`if (${this.expr(s.cond)}) {`);
        this.nested(() => this.stmt(s.then, inThreadNest));
        if (s.else) {
          this.line('} else {');
          this.nested(() => this.stmt(s.else!, inThreadNest));
        }
        this.line('}');
        return;
      }
      case 'allocate': {
        const size = ir.constValue(s.size);
        if (size === undefined) throw new WgslCodegenError('internal', `internal: allocation ${s.buffer.name} has no constant size`);
        const b = this.buffer(s.buffer);
        if (b.role === 'workgroup') { this.workgroupSizes.set(s.buffer, size); this.stmt(s.body, inThreadNest); return; }
        // A block of its own: unrolling repeats an allocation in one scope, and WGSL refuses a
        // redeclaration (WGSL §5 scoping).
        this.line('{');
        this.nested(() => {
          this.line(`var ${b.name}: array<${elementType(b)}, ${size}>;`);
          this.stmt(s.body, inThreadNest);
        });
        this.line('}');
        return;
      }
      case 'store': this.store(s); return;
      case 'for': this.forLoop(s, inThreadNest); return;
      case 'barrier':
        if (s.memory !== 'storage') this.line('workgroupBarrier();');
        if (s.memory !== 'workgroup') this.line('storageBarrier();');
        return;
      case 'assert':
        throw new WgslCodegenError('gpu-kernel-check', `a run-time check inside GPU kernel ${this.k.name} cannot stop it: ${s.message}`);
      case 'provide': case 'realize':
        throw new WgslCodegenError('internal', `internal: ${s.kind} of ${s.func.name} reached WGSL code generation`);
    }
  }

  private forLoop(s: Stmt & { kind: 'for' }, inThreadNest: boolean): void {
    const v = this.names.of(s.v, s.v.name);
    if (s.forKind === 'gpu_block') {
      const d = this.k.blockVars.indexOf(s.v);
      if (d < 0) throw new WgslCodegenError('internal', `internal: block loop ${s.v.name} is not in the grid of ${this.k.name}`);
      const min = this.expr(s.min);
      this.line(`let ${v} = ${min === '0i' ? '' : `${min} + `}i32(workgroup_id.${GPU_DIMS[d]});`);
      this.stmt(s.body, false);
      return;
    }
    if (s.forKind === 'gpu_thread') {
      const d = this.k.dims.dimOf.get(s.v);
      if (d === undefined) throw new WgslCodegenError('internal', `internal: thread loop ${s.v.name} has no dimension`);
      const id = `i32(local_id.${GPU_DIMS[d]})`;
      const conds: string[] = [];
      const extent = ir.constValue(s.extent);
      if (extent !== this.k.dims.workgroupSize[d]) conds.push(`${id} < ${this.expr(s.extent)}`);
      if (!inThreadNest) {
        for (let e = d + 1; e < 3; e++) if (this.k.dims.workgroupSize[e]! > 1) conds.push(`local_id.${GPU_DIMS[e]} == 0u`);
      }
      const min = this.expr(s.min);
      const emitBody = () => {
        this.line(`let ${v} = ${min === '0i' ? '' : `${min} + `}${id};`);
        this.stmt(s.body, true);
      };
      if (conds.length === 0) { this.line('{'); this.nested(emitBody); this.line('}'); return; }
      this.line(`if (${conds.join(' && ')}) {`);
      this.nested(emitBody);
      this.line('}');
      return;
    }
    const min = this.bind(this.expr(s.min), `${v}_min`);
    const extent = this.expr(s.extent);
    const end = this.bind(min === '0i' ? extent : `${min} + ${extent}`, `${v}_end`);
    this.line(`for (var ${v}: i32 = ${min}; ${v} < ${end}; ${v}++) {`);
    this.nested(() => this.stmt(s.body, inThreadNest));
    this.line('}');
  }

  private store(s: Stmt & { kind: 'store' }): void {
    const b = this.buffer(s.buffer);
    this.stored.add(s.buffer);
    if (b.role === 'input') throw new WgslCodegenError('internal', `internal: store to input ${s.buffer.name}`);
    const value = this.expr(s.value);
    if (s.value.lanes === 1) { this.line(storeElement(b, this.expr(s.index), value)); return; }
    const v = this.bind(value, 'v');
    const lanes = this.laneIndices(s.index);
    lanes.forEach((idx, l) => this.line(storeElement(b, idx, `${v}.${LANE[l]}`)));
  }

  /** The scalar index expression of every lane of a vector index. */
  private laneIndices(index: ir.Expr): string[] {
    const n = index.lanes;
    if (index.kind === 'ramp') {
      const base = this.bind(this.expr(index.base), 'base');
      const stride = ir.constValue(index.stride);
      const st = stride === undefined ? this.bind(this.expr(index.stride), 'stride') : undefined;
      return Array.from({ length: n }, (_, l) => (l === 0 ? base : stride !== undefined ? `${base} + ${l * stride}i` : `${base} + ${l}i * ${st}`));
    }
    const iv = this.bind(this.expr(index), 'idx');
    return Array.from({ length: n }, (_, l) => `${iv}.${LANE[l]}`);
  }

  // --- expressions --------------------------------------------------------------------------------
  private expr(e: ir.Expr): string {
    if (e.lanes > 4) throw new WgslCodegenError('internal', `internal: a ${e.lanes}-lane vector reached WGSL code generation (${printExpr(e)})`);
    switch (e.kind) {
      case 'const': {
        const scalar = isFloat(e.dtype) && !Number.isFinite(e.value) ? this.nonFinite(e.value) : literal(e.dtype, e.value);
        return e.lanes === 1 ? scalar : `${wgslType(e.dtype, e.lanes)}(${scalar})`;
      }
      case 'var':
        if (this.paramSet.has(e.v)) this.usedParams.add(e.v);
        return this.names.of(e.v, e.v.name);
      case 'binary': return this.binary(e);
      case 'cmp': return `(${this.expr(e.a)} ${CMP[e.op]} ${this.expr(e.b)})`;
      case 'not': return `!(${this.expr(e.a)})`;
      case 'select': return `select(${this.expr(e.f)}, ${this.expr(e.t)}, ${this.expr(e.cond)})`;
      case 'cast': return this.cast(e.value.dtype, e.dtype, e.lanes, this.expr(e.value));
      case 'reinterpret': {
        const x = this.expr(e.value);
        // Between integers of one width a reinterpretation is the wrapping cast.
        if (!isFloat(e.dtype) && !isFloat(e.value.dtype)) return this.cast(e.value.dtype, e.dtype, e.lanes, x);
        return `bitcast<${wgslType(e.dtype, e.lanes)}>(${x})`;
      }
      case 'call': return this.call(e);
      case 'load': return this.load(e);
      case 'ramp': {
        const base = this.expr(e.base), stride = this.expr(e.stride);
        const offsets = `vec${e.lanes}<i32>(${Array.from({ length: e.lanes }, (_, l) => `${l}i`).join(', ')})`;
        return ir.constValue(e.stride) === 1 ? `(${base} + ${offsets})` : `(${base} + ${offsets} * ${stride})`;
      }
      case 'broadcast': return `${wgslType(e.dtype, e.lanes)}(${this.expr(e.value)})`;
      case 'let': {
        this.line(`let ${this.names.of(e.v, e.v.name)} = ${this.expr(e.value)};`);
        return this.expr(e.body);
      }
      case 'access': throw new WgslCodegenError('internal', `internal: an access to ${e.func.name} reached WGSL code generation`);
    }
  }

  private binary(e: ir.Expr & { kind: 'binary' }): string {
    const t = e.dtype, a = this.expr(e.a), b = this.expr(e.b);
    if (t === 'bool') {
      switch (e.op) {
        case 'and': case 'min': return `(${a} & ${b})`;
        case 'or': case 'max': return `(${a} | ${b})`;
        case 'xor': return `(${a} != ${b})`;
        default: throw new WgslCodegenError('internal', `internal: ${e.op} on bool`);
      }
    }
    const sym = BINARY[e.op];
    if (sym) {
      const out = `(${a} ${sym} ${b})`;
      return e.op === 'add' || e.op === 'sub' || e.op === 'mul' ? wrapTo(t, e.lanes, out) : out;
    }
    switch (e.op) {
      case 'min': case 'max': return `${e.op}(${a}, ${b})`;
      case 'shl': case 'shr': {
        const count = this.shiftCount(e.b, b, t, e.lanes);
        return wrapTo(t, e.lanes, `(${a} ${e.op === 'shl' ? '<<' : '>>'} ${count})`);
      }
      case 'div': case 'mod':
        if (isFloat(t)) return e.op === 'div' ? `(${a} / ${b})` : this.helper(`mod_f32`, t, e.lanes, [a, b]);
        return this.intDivMod(e.op, t, e.lanes, a, b, ir.constValue(e.b));
      default: throw new WgslCodegenError('internal', `internal: binary ${e.op}`);
    }
  }

  /** Shift counts are u32 in WGSL and taken modulo the type's width, as Tessera's are. */
  private shiftCount(bExpr: ir.Expr, b: string, t: DType, lanes: number): string {
    const width = isNarrowInt(t) ? (t.endsWith('8') ? 8 : 16) : 32;
    const u = scalarType(bExpr.dtype) === 'u32' ? b : `${lanes === 1 ? 'u32' : `vec${lanes}<u32>`}(${b})`;
    return width === 32 ? u : `(${u} & ${lanes === 1 ? `${width - 1}u` : `vec${lanes}<u32>(${width - 1}u)`})`;
  }

  private intDivMod(op: 'div' | 'mod', t: DType, lanes: number, a: string, b: string, divisor: number | undefined): string {
    if (divisor !== undefined && divisor > 0 && (divisor & (divisor - 1)) === 0) {
      const k = Math.log2(divisor);
      const splat = (s: string) => (lanes === 1 ? s : `vec${lanes}<u32>(${s})`);
      if (op === 'div') return `(${a} >> ${splat(`${k}u`)})`;
      const mask = scalarType(t) === 'i32' ? `${divisor - 1}i` : `${divisor - 1}u`;
      return `(${a} & ${lanes === 1 ? mask : `${wgslType(t, lanes)}(${mask})`})`;
    }
    const signed = isSigned(t);
    return wrapTo(t, lanes, this.helper(`${op}_${signed ? 'i32' : 'u32'}`, t, lanes, [a, b]));
  }

  /** An infinity or NaN, computed at run time from its bits (it has no WGSL literal). */
  private nonFinite(value: number): string {
    const h = INT_HELPERS.f32_from_bits!;
    this.helpers.add(h);
    return `${h.name}(${new Uint32Array(new Float32Array([value]).buffer)[0]}u)`;
  }

  /** A call of a scalar helper function, lane by lane for vectors. */
  private helper(name: string, t: DType, lanes: number, args: string[]): string {
    const h = INT_HELPERS[name];
    if (!h) throw new WgslCodegenError('internal', `internal: no helper ${name}`);
    this.helpers.add(h);
    if (lanes === 1) return `${h.name}(${args.join(', ')})`;
    const bound = args.map((x) => this.bind(x, 'op'));
    return `${wgslType(t, lanes)}(${Array.from({ length: lanes }, (_, l) => `${h.name}(${bound.map((x) => `${x}.${LANE[l]}`).join(', ')})`).join(', ')})`;
  }

  private cast(from: DType, to: DType, lanes: number, x: string): string {
    const T = (s: string) => (lanes === 1 ? s : `vec${lanes}<${s}>`);
    if (to === 'bool') return `(${x} != ${T(scalarType(from))}(${literal(from, 0)}))`;
    if (from === 'bool') return `select(${T(scalarType(to))}(${literal(to, 0)}), ${T(scalarType(to))}(${literal(to, 1)}), ${x})`;
    const src = scalarType(from), dst = scalarType(to);
    if (isFloat(to)) return src === 'f32' ? x : `${T('f32')}(${x})`;
    if (isFloat(from)) {
      // Truncate toward zero, saturate (WGSL §16.1.2 conversions clamp), NaN -> 0, then wrap.
      const v = this.bind(x, 'f');
      const zero = dst === 'u32' && !isNarrowInt(to) ? `${T('u32')}(0u)` : `${T('i32')}(0i)`;
      if (dst === 'u32' && !isNarrowInt(to)) return `select(${T('u32')}(${v}), ${zero}, ${v} != ${v})`;
      const asInt = `select(${T('i32')}(${v}), ${zero}, ${v} != ${v})`;
      return wrapTo(to, lanes, dst === 'i32' ? asInt : `bitcast<${T('u32')}>(${asInt})`);
    }
    const same = src === dst ? x : `bitcast<${T(dst)}>(${x})`;
    return wrapTo(to, lanes, same);
  }

  private call(e: ir.Expr & { kind: 'call' }): string {
    const args = e.args.map((a) => this.expr(a));
    if (isFloat(e.dtype)) {
      if (!FLOAT_FNS.has(e.fn)) throw new WgslCodegenError('internal', `internal: ${e.fn} of ${e.dtype} reached WGSL code generation (lowering expands it into arithmetic)`);
      return `${e.fn}(${args.join(', ')})`;
    }
    switch (e.fn) {
      case 'abs': return wrapTo(e.dtype, e.lanes, scalarType(e.dtype) === 'u32' ? args[0]! : `abs(${args[0]})`);
      case 'floor': case 'ceil': case 'round': case 'trunc': return args[0]!;
      default: throw new WgslCodegenError('unsupported', `${e.fn} of ${e.dtype} is not implemented by the WGSL backend`);
    }
  }

  private load(e: ir.Expr & { kind: 'load' }): string {
    const b = this.buffer(e.buffer);
    this.loaded.add(e.buffer);
    if (e.lanes === 1) return loadElement(b, this.expr(e.index));
    const idx = this.laneIndices(e.index);
    return `${wgslType(e.dtype, e.lanes)}(${idx.map((i) => loadElement(b, i)).join(', ')})`;
  }
}
