/**
 * Storage flattening (Halide's StorageFlattening): multi-dimensional realize/provide/access become
 * flat allocate/store/load on buffers, row-major (last dimension contiguous), indices taken relative
 * to the realized region's mins. A stage with a storage layout (reorder_storage, transform_layout)
 * is row-major over its storage dimensions instead.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, allocate, letStmt, mapStmtChildren, store, type StmtMapper } from '../ir/stmt.js';
import { simplify } from '../ir/simplify.js';
import { constantUpperBound } from '../ir/interval.js';
import type { StorageMap } from './storage_layout.js';

export interface FlatLayout {
  readonly buffer: ir.Buffer;
  readonly mins: readonly ir.Expr[];
  /** Strides of the storage dimensions (the coordinates themselves without a storage map). */
  readonly strides: readonly ir.Expr[];
  readonly storage?: StorageMap;
}

/** Row-major strides of `extents`; non-constant ones let-bound through `bind`. */
function stridesOf(name: string, extents: readonly ir.Expr[], bind: (v: ir.Var, e: ir.Expr) => void): ir.Expr[] {
  const strides: ir.Expr[] = new Array(extents.length);
  let acc: ir.Expr = ir.constant(1);
  for (let d = extents.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc = simplify(ir.mul(acc, extents[d]!));
    if (acc.kind !== 'const' && acc.kind !== 'var' && d > 0) {
      const v = new ir.Var(`${name}.stride.${d - 1}`);
      bind(v, acc);
      acc = ir.varRef(v);
    }
  }
  return strides;
}

function flatIndex(l: FlatLayout, args: readonly ir.Expr[]): ir.Expr {
  const rel = args.map((a, d) => ir.sub(a, l.mins[d]!));
  let idx: ir.Expr = ir.constant(0);
  (l.storage ? l.storage.coords(rel) : rel).forEach((x, k) => { idx = ir.add(idx, ir.mul(x, l.strides[k]!)); });
  return simplify(idx);
}

/**
 * Layout of an input or output tensor: dense row-major over `shape`, with strides let-bound at the
 * top of the kernel through `bind`.
 */
export function tensorLayout(buffer: ir.Buffer, shape: readonly ir.Expr[], bind: (v: ir.Var, e: ir.Expr) => void): FlatLayout {
  return { buffer, mins: shape.map(() => ir.constant(0)), strides: stridesOf(buffer.name, shape, bind) };
}

/**
 * @param s a statement with realize/provide/access
 * @param tensors layouts of the input and output tensors, by the object their reads refer to
 * @param storage the storage maps of stages with a layout (others are row-major over their axes)
 * @returns the statement with allocate/store/load only
 * @throws Error when a stage is read or written with no storage in scope (a lowering bug)
 */
export function flattenStorage(s: Stmt, tensors: ReadonlyMap<ir.FuncRef, FlatLayout>, storage: ReadonlyMap<ir.FuncRef, StorageMap> = new Map()): Stmt {
  const scope = new Map(tensors);
  const layoutOf = (f: ir.FuncRef): FlatLayout => {
    const l = scope.get(f);
    if (!l) throw new Error(`internal: ${f.name} is accessed outside its storage`);
    return l;
  };
  const expr = (e: ir.Expr): ir.Expr => {
    const y = ir.mapChildren(e, expr);
    if (y.kind !== 'access') return y;
    return ir.load(layoutOf(y.func).buffer, flatIndex(layoutOf(y.func), y.args));
  };
  const m: StmtMapper = {
    expr,
    stmt: (x) => {
      if (x.kind === 'provide') {
        const l = layoutOf(x.func);
        return store(l.buffer, flatIndex(l, x.args.map(expr)), expr(x.value));
      }
      if (x.kind === 'realize') {
        const lets: [ir.Var, ir.Expr][] = [];
        // A constant upper bound of an extent, when there is one, sizes the storage: allocations of
        // constant size can live in registers, and strides stay constant.
        const extents = x.bounds.map((r) => {
          const e = simplify(expr(r.extent));
          const ub = e.kind === 'const' ? undefined : constantUpperBound(e);
          return ub !== undefined && ub > 0 ? ir.constant(ub) : e;
        });
        const buffer = new ir.Buffer(x.func.name, x.func.dtype);
        const map = storage.get(x.func);
        const stored = map ? map.extents(extents) : extents;
        const layout: FlatLayout = { buffer, mins: x.bounds.map((r) => simplify(expr(r.min))), strides: stridesOf(x.func.name, stored, (v, e) => lets.push([v, e])), storage: map };
        const size = simplify(ir.mul(layout.strides[0]!, stored[0]!));
        const saved = scope.get(x.func);
        scope.set(x.func, layout);
        let body = allocate(buffer, size, 'stack', m.stmt(x.body));
        if (saved) scope.set(x.func, saved); else scope.delete(x.func);
        for (const [v, e] of lets.reverse()) body = letStmt(v, e, body);
        return body;
      }
      return mapStmtChildren(x, m);
    },
  };
  return m.stmt(s);
}
