/**
 * A stage's storage layout (reorder_storage, transform_layout) as index arithmetic for storage
 * flattening: the coordinates of a point, relative to its buffer's region, map to storage
 * coordinates (outermost first), each split dimension d becoming d / factor and d % factor.
 */
import * as ir from '../ir/expr.js';
import { simplify } from '../ir/simplify.js';
import type { StorageLayout } from '../schedule/state.js';
import type { Schedule } from '../schedule/schedule.js';

export interface StorageMap {
  /** Storage coordinates, outermost first, of coordinates relative to the region's mins (all >= 0). */
  coords(rel: readonly ir.Expr[]): ir.Expr[];
  /** Storage extents, outermost first, of the region's extents. */
  extents(ext: readonly ir.Expr[]): ir.Expr[];
}

/**
 * @param axes the definition's axis names, outermost first
 * @param layout splits over those names (and the names earlier splits made), then the order
 * @returns the map from region coordinates to storage coordinates
 */
export function storageMap(axes: readonly string[], layout: StorageLayout): StorageMap {
  const through = (values: readonly ir.Expr[], split: (v: ir.Expr, f: number) => [ir.Expr, ir.Expr]): ir.Expr[] => {
    const named = new Map(axes.map((a, d) => [a, values[d]!] as const));
    for (const s of layout.splits) {
      const [outer, inner] = split(named.get(s.dim)!, s.factor);
      named.delete(s.dim);
      named.set(s.outer, outer);
      named.set(s.inner, inner);
    }
    return layout.order.map((d) => simplify(named.get(d)!));
  };
  const c = ir.constant;
  return {
    coords: (rel) => through(rel, (v, f) => [ir.div(v, c(f)), ir.mod(v, c(f))]),
    extents: (ext) => through(ext, (e, f) => [ir.div(ir.add(e, c(f - 1)), c(f)), c(f)]),
  };
}

/** The storage maps of the stages of `sch` that have a layout, by the object their accesses refer to. */
export function storageMaps(sch: Schedule, funcs: ReadonlyMap<string, ir.FuncRef>): Map<ir.FuncRef, StorageMap> {
  const maps = new Map<ir.FuncRef, StorageMap>();
  for (const s of sch.stagesInOrder()) {
    if (s.storage) maps.set(funcs.get(s.name)!, storageMap(s.stage.axes.map((v) => v.name), s.storage));
  }
  return maps;
}
