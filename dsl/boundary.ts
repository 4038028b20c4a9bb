/**
 * Boundary conditions (Halide's BoundaryConditions): wrap an input so that reads outside its shape are
 * defined. Each returns a stage over the same shape that is inlined into its readers by default.
 */
import * as ir from '../ir/expr.js';
import { type Func, Stage, compute } from './func.js';
import { Term, type TermLike, lift, select, DefinitionError } from './term.js';

/** Marks stages created by boundary conditions, whose default schedule is compute_inline. */
export const INLINE_BY_DEFAULT = new WeakSet<Stage>();

function boundaryStage(name: string, f: Func, at: (idx: Term[]) => Term): Stage {
  const axes = f.shape.map((_, i) => `d${i}`);
  const s = compute(name, f.shape.map((e) => new Term(e)), (...idx: Term[]) => at(idx), { axes });
  INLINE_BY_DEFAULT.add(s);
  return s;
}

const last = (e: ir.Expr) => new Term(e).sub(1);

/**
 * Reads outside [0, extent) in any dimension return the nearest edge element (Halide's repeat_edge,
 * "clamp to edge"). Shape and dtype are those of `f`.
 */
export function repeatEdge(f: Func, name = `${f.name}_edge`): Stage {
  return boundaryStage(name, f, (idx) => f.at(...idx.map((x, i) => x.clamp(0, last(f.shape[i]!)))));
}

/**
 * Reads outside [0, extent) return `value` (Halide's constant_exterior). A number literal takes
 * `f`'s dtype; a Term must already have it.
 * @throws DefinitionError when `value` has another dtype than `f`
 */
export function constantExterior(f: Func, value: TermLike, name = `${f.name}_ext`): Stage {
  const v = lift(value, f.dtype);
  if (v.dtype !== f.dtype) throw new DefinitionError(`constantExterior(${f.name}): value is ${v.dtype}, input is ${f.dtype}`);
  return boundaryStage(name, f, (idx) => {
    let inside: Term | undefined;
    for (const [i, x] of idx.entries()) {
      const c = x.ge(0).and(x.lt(new Term(f.shape[i]!)));
      inside = inside ? inside.and(c) : c;
    }
    const clamped = f.at(...idx.map((x, i) => x.clamp(0, last(f.shape[i]!))));
    return select(inside!, clamped, v);
  });
}

/** Reads outside wrap around modulo the extent (Halide's repeat_image). */
export function repeatImage(f: Func, name = `${f.name}_wrap`): Stage {
  return boundaryStage(name, f, (idx) => f.at(...idx.map((x, i) => x.mod(new Term(f.shape[i]!)))));
}

/** Reads outside mirror the image, repeating the edge (Halide's mirror_image). */
export function mirrorImage(f: Func, name = `${f.name}_mirror`): Stage {
  return boundaryStage(name, f, (idx) => f.at(...idx.map((x, i) => {
    const n = new Term(f.shape[i]!);
    const m = x.mod(n.mul(2));
    return select(m.lt(n), m, n.mul(2).sub(1).sub(m));
  })));
}
