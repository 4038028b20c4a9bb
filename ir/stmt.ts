/**
 * Statement nodes of the loop IR: immutable plain objects discriminated by `kind`. Before storage
 * flattening a nest uses `provide`/`realize` on multi-dimensional stages (Halide's Provide/Realize);
 * after it, only flat `store`/`allocate` on buffers remain.
 */
import { type Buffer, type Expr, type FuncRef, type Var, mapChildren, mapList, IRTypeError, typeStr, checkBinding, children as exprChildren } from './expr.js';

/** How a loop runs: Halide's ForType plus GPU bindings (TVM's thread_binding). */
export type ForKind = 'serial' | 'parallel' | 'vectorized' | 'unrolled' | 'gpu_block' | 'gpu_thread';

/** Half-open range [min, min + extent). */
export interface Range { readonly min: Expr; readonly extent: Expr }

/** Where an allocation lives; `stack` is the module's bump-allocated scratch memory. */
export type MemoryScope = 'stack' | 'register' | 'workgroup';

export interface For { readonly kind: 'for'; readonly v: Var; readonly min: Expr; readonly extent: Expr; readonly forKind: ForKind; readonly body: Stmt }
export interface Store { readonly kind: 'store'; readonly buffer: Buffer; readonly index: Expr; readonly value: Expr }
export interface Provide { readonly kind: 'provide'; readonly func: FuncRef; readonly args: readonly Expr[]; readonly value: Expr }
export interface Realize { readonly kind: 'realize'; readonly func: FuncRef; readonly bounds: readonly Range[]; readonly body: Stmt }
export interface Allocate { readonly kind: 'allocate'; readonly buffer: Buffer; readonly size: Expr; readonly scope: MemoryScope; readonly body: Stmt }
export interface IfThenElse { readonly kind: 'if'; readonly cond: Expr; readonly then: Stmt; readonly else?: Stmt }
export interface Block { readonly kind: 'block'; readonly stmts: readonly Stmt[] }
export interface LetStmt { readonly kind: 'letStmt'; readonly v: Var; readonly value: Expr; readonly body: Stmt }
export interface Assert { readonly kind: 'assert'; readonly cond: Expr; readonly message: string }
/** Marks the code that computes `func` (printing and analysis only; Halide's ProducerConsumer). */
export interface Produce { readonly kind: 'produce'; readonly func: FuncRef; readonly body: Stmt }

/**
 * A GPU workgroup barrier (WGSL §17.11 workgroupBarrier / storageBarrier): every invocation of the
 * workgroup waits here, and writes to the named memory made before it are visible after it. Placed by
 * lowering between thread nests at block level; serial backends ignore it (they run thread loops in
 * order).
 */
export interface Barrier { readonly kind: 'barrier'; readonly memory: 'workgroup' | 'storage' | 'both' }

export type Stmt = For | Store | Provide | Realize | Allocate | IfThenElse | Block | LetStmt | Assert | Produce | Barrier;

export function forLoop(v: Var, min: Expr, extent: Expr, forKind: ForKind, body: Stmt): Stmt {
  if (min.dtype !== 'i32' || extent.dtype !== 'i32' || min.lanes !== 1 || extent.lanes !== 1) {
    throw new IRTypeError(`loop ${v.name}: bounds must be scalar i32`);
  }
  return { kind: 'for', v, min, extent, forKind, body };
}

export function store(buffer: Buffer, index: Expr, value: Expr): Stmt {
  if (value.dtype !== buffer.dtype) throw new IRTypeError(`store to ${buffer.name} (${buffer.dtype}) of a ${typeStr(value)}`);
  if (index.lanes !== value.lanes) throw new IRTypeError(`store to ${buffer.name}: ${index.lanes} indices for ${value.lanes} lanes`);
  return { kind: 'store', buffer, index, value };
}

export function provide(func: FuncRef, args: readonly Expr[], value: Expr): Stmt {
  if (value.dtype !== func.dtype) throw new IRTypeError(`provide to ${func.name} (${func.dtype}) of a ${typeStr(value)}`);
  return { kind: 'provide', func, args, value };
}

export const realize = (func: FuncRef, bounds: readonly Range[], body: Stmt): Stmt => ({ kind: 'realize', func, bounds, body });
export const allocate = (buffer: Buffer, size: Expr, scope: MemoryScope, body: Stmt): Stmt => ({ kind: 'allocate', buffer, size, scope, body });
export const ifThen = (cond: Expr, then: Stmt, otherwise?: Stmt): Stmt =>
  otherwise ? { kind: 'if', cond, then, else: otherwise } : { kind: 'if', cond, then };
export function letStmt(v: Var, value: Expr, body: Stmt): Stmt {
  checkBinding(v, value);
  return { kind: 'letStmt', v, value, body };
}
export const assertStmt = (cond: Expr, message: string): Stmt => ({ kind: 'assert', cond, message });
export const produce = (func: FuncRef, body: Stmt): Stmt => ({ kind: 'produce', func, body });
export const barrier = (memory: Barrier['memory']): Stmt => ({ kind: 'barrier', memory });

/** A sequence; nested blocks are flattened and a single statement is returned as itself. */
export function block(stmts: readonly (Stmt | undefined)[]): Stmt {
  const flat: Stmt[] = [];
  for (const s of stmts) {
    if (!s) continue;
    if (s.kind === 'block') flat.push(...s.stmts);
    else flat.push(s);
  }
  if (flat.length === 1) return flat[0]!;
  return { kind: 'block', stmts: flat };
}
export const NOOP: Stmt = { kind: 'block', stmts: [] };

/** A statement mutator: functions for the sub-statements and the expressions of one node. */
export interface StmtMapper {
  stmt(s: Stmt): Stmt;
  expr(e: Expr): Expr;
}

/** Rebuilds `s` with mapped children, returning `s` itself when nothing changed. */
export function mapStmtChildren(s: Stmt, m: StmtMapper): Stmt {
  switch (s.kind) {
    case 'for': {
      const min = m.expr(s.min), extent = m.expr(s.extent), body = m.stmt(s.body);
      return min === s.min && extent === s.extent && body === s.body ? s : forLoop(s.v, min, extent, s.forKind, body);
    }
    case 'store': {
      const index = m.expr(s.index), value = m.expr(s.value);
      return index === s.index && value === s.value ? s : store(s.buffer, index, value);
    }
    case 'provide': {
      const args = mapList(s.args, m.expr), value = m.expr(s.value);
      return args === s.args && value === s.value ? s : provide(s.func, args, value);
    }
    case 'realize': {
      const bounds = mapList(s.bounds, (r) => {
        const min = m.expr(r.min), extent = m.expr(r.extent);
        return min === r.min && extent === r.extent ? r : { min, extent };
      });
      const body = m.stmt(s.body);
      return bounds === s.bounds && body === s.body ? s : realize(s.func, bounds, body);
    }
    case 'allocate': {
      const size = m.expr(s.size), body = m.stmt(s.body);
      return size === s.size && body === s.body ? s : allocate(s.buffer, size, s.scope, body);
    }
    case 'if': {
      const cond = m.expr(s.cond), then = m.stmt(s.then), otherwise = s.else && m.stmt(s.else);
      return cond === s.cond && then === s.then && otherwise === s.else ? s : ifThen(cond, then, otherwise);
    }
    case 'block': {
      const stmts = mapList(s.stmts, m.stmt);
      return stmts === s.stmts ? s : block(stmts);
    }
    case 'letStmt': {
      const value = m.expr(s.value), body = m.stmt(s.body);
      return value === s.value && body === s.body ? s : letStmt(s.v, value, body);
    }
    case 'assert': {
      const cond = m.expr(s.cond);
      return cond === s.cond ? s : assertStmt(cond, s.message);
    }
    case 'produce': {
      const body = m.stmt(s.body);
      return body === s.body ? s : produce(s.func, body);
    }
    case 'barrier': return s;
  }
}

/** The expressions directly held by `s` (not those of its sub-statements). */
export function stmtExprs(s: Stmt): readonly Expr[] {
  switch (s.kind) {
    case 'for': return [s.min, s.extent];
    case 'store': return [s.index, s.value];
    case 'provide': return [...s.args, s.value];
    case 'realize': return s.bounds.flatMap((r) => [r.min, r.extent]);
    case 'allocate': return [s.size];
    case 'if': return [s.cond];
    case 'letStmt': return [s.value];
    case 'assert': return [s.cond];
    case 'block': case 'produce': case 'barrier': return [];
  }
}

export function subStmts(s: Stmt): readonly Stmt[] {
  switch (s.kind) {
    case 'for': case 'realize': case 'allocate': case 'letStmt': case 'produce': return [s.body];
    case 'if': return s.else ? [s.then, s.else] : [s.then];
    case 'block': return s.stmts;
    case 'store': case 'provide': case 'assert': case 'barrier': return [];
  }
}

/** Calls `f` on every statement of `s`, parents before children. */
export function walkStmt(s: Stmt, f: (s: Stmt) => void): void {
  f(s);
  for (const c of subStmts(s)) walkStmt(c, f);
}

/** Applies an expression rewrite to every expression in `s`, bottom-up through statements. */
export function mapStmtExprs(s: Stmt, f: (e: Expr) => Expr): Stmt {
  const m: StmtMapper = { stmt: (x) => mapStmtChildren(x, m), expr: f };
  return m.stmt(s);
}

/** A lowered kernel: the statement plus the size parameters and buffers it takes. */
export interface LoweredFunc {
  readonly name: string;
  readonly body: Stmt;
  /** Size parameters (symbolic extents), passed as i32 arguments. */
  readonly params: readonly Var[];
  /** Input and output buffers, passed as element pointers. */
  readonly args: readonly BufferArg[];
}

export interface BufferArg {
  readonly buffer: Buffer;
  readonly role: 'input' | 'output';
  /** Shape, outermost first; row-major, last dimension contiguous. Expressions over `params`. */
  readonly shape: readonly Expr[];
}

export { mapChildren };

/** Rewrites every node of kind `kind` bottom-up (children first): innermost loops first for 'for'. */
export function mapBottomUp<K extends Stmt['kind']>(s: Stmt, kind: K, f: (x: Extract<Stmt, { kind: K }>) => Stmt): Stmt {
  const m: StmtMapper = {
    expr: (e) => e,
    stmt: (x) => {
      const y = mapStmtChildren(x, m);
      return y.kind === kind ? f(y as Extract<Stmt, { kind: K }>) : y;
    },
  };
  return m.stmt(s);
}

/** Variables bound inside `s`: loop variables, statement lets and expression lets. */
export function varsDefinedIn(s: Stmt): Set<Var> {
  const out = new Set<Var>();
  walkStmt(s, (x) => {
    if (x.kind === 'for' || x.kind === 'letStmt') out.add(x.v);
    for (const e of stmtExprs(x)) walkExprLets(e, out);
  });
  return out;
}
function walkExprLets(e: Expr, out: Set<Var>): void {
  if (e.kind === 'let') out.add(e.v);
  for (const c of exprChildren(e)) walkExprLets(c, out);
}
