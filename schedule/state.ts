/**
 * The schedule of one stage (Halide's FuncSchedule + StageSchedule): its current loops, outermost
 * first, the split/fuse relations that derive them from the stage's axes, and where the stage is
 * computed and stored. Primitives edit this state; lowering reads it.
 */
import type { ForKind } from '../ir/stmt.js';
import type { Stage } from '../dsl/func.js';
import { constValue } from '../ir/expr.js';
import { ScheduleError } from './error.js';

/**
 * What to do when a split factor does not divide the extent (Halide's TailStrategy):
 * guard: run ceil(extent/factor) outer iterations and skip the excess with an if;
 * round_up: compute the excess too (over-computes; the storage grows to hold it);
 * shift_inwards: shift the last outer iteration inwards so it ends at the extent (recomputes some
 * points; needs extent >= factor); auto: shift_inwards for pure stages, guard for reductions.
 */
export type TailStrategy = 'auto' | 'guard' | 'round_up' | 'shift_inwards';

export interface Split {
  readonly kind: 'split';
  readonly parent: string;
  readonly outer: string;
  readonly inner: string;
  readonly factor: number;
  readonly tail: Exclude<TailStrategy, 'auto'>;
}
export interface Fuse { readonly kind: 'fuse'; readonly outer: string; readonly inner: string; readonly fused: string }
export type Relation = Split | Fuse;

export interface Loop { readonly name: string; kind: ForKind; readonly isReduction: boolean }

/** bound(axis, min, extent): the stage is computed over exactly [min, min + extent) in that axis. */
export interface AxisBound { readonly min: number; readonly extent: number }
/** align_bounds(axis, modulus, remainder): the region's min is remainder mod modulus, its extent a multiple. */
export interface AxisAlignment { readonly modulus: number; readonly remainder: number }

/** A split of one storage dimension into outer (dim / factor) and inner (dim % factor). */
export interface StorageSplit { readonly dim: string; readonly factor: number; readonly outer: string; readonly inner: string }
/**
 * The layout of a stage's buffer (reorder_storage, transform_layout): the splits applied to the
 * storage dimensions, in order, then the storage dimensions outermost first. Dimensions are named by
 * the definition's axes and the names the splits give.
 */
export interface StorageLayout { readonly splits: readonly StorageSplit[]; readonly order: readonly string[] }

/** Where a stage's values are computed or stored. */
export type Location =
  | { readonly kind: 'root' }
  | { readonly kind: 'inline' }
  | { readonly kind: 'at'; readonly stage: string; readonly axis: string };

export class StageState {
  loops: Loop[];
  readonly relations: Relation[] = [];
  /** Every axis name ever used by this stage: the root axes and the ones splits and fuses created. */
  readonly axisNames = new Set<string>();
  /** Extents known at schedule time (constant shapes and split factors). */
  readonly knownExtents = new Map<string, number>();
  computeAt: Location;
  storeAt: Location | undefined;
  /** bound() per pure axis of the definition. */
  bounds = new Map<string, AxisBound>();
  /** align_bounds() per pure axis of the definition. */
  alignments = new Map<string, AxisAlignment>();
  /** The buffer's layout; undefined: row-major over the definition's axes. */
  storage: StorageLayout | undefined;

  constructor(readonly stage: Stage, inlineByDefault: boolean) {
    const pure = stage.axes.map((v, i) => ({ name: v.name, kind: 'serial' as ForKind, isReduction: false, extent: stage.shape[i]! }));
    const red = (stage.reduction?.axes ?? []).map((a) => ({ name: a.name, kind: 'serial' as ForKind, isReduction: true, extent: a.extent }));
    this.loops = [...pure, ...red].map(({ name, kind, isReduction, extent }) => {
      this.axisNames.add(name);
      const c = constValue(extent);
      if (c !== undefined && isReduction) this.knownExtents.set(name, c);
      return { name, kind, isReduction };
    });
    this.computeAt = inlineByDefault && !stage.reduction ? { kind: 'inline' } : { kind: 'root' };
  }

  get name(): string { return this.stage.name; }
  get isReduction(): boolean { return this.stage.reduction !== undefined; }

  /** The current loop called `axis`, or a ScheduleError listing the current loops. */
  loop(axis: string, primitive: string): Loop {
    const l = this.loops.find((x) => x.name === axis);
    if (l) return l;
    const split = this.relations.find((r) => (r.kind === 'split' ? r.parent === axis : r.outer === axis || r.inner === axis));
    const why = split
      ? split.kind === 'split' ? `it was split into ${split.outer} and ${split.inner}` : `it was fused into ${split.fused}`
      : 'the stage has no such axis';
    throw new ScheduleError('no-such-loop', this.name, axis, `${primitive}: ${axis} is not a loop of this stage (${why})`, this.loops.map((x) => x.name));
  }

  indexOf(axis: string): number { return this.loops.findIndex((l) => l.name === axis); }

  /** Checks that `name` is a new axis name of this stage. */
  freshName(name: string, primitive: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ScheduleError('bad-name', this.name, name, `${primitive}: axis name ${JSON.stringify(name)} is not an identifier`);
    if (this.axisNames.has(name)) throw new ScheduleError('name-taken', this.name, name, `${primitive}: the stage already has an axis named ${name}; pass another name`);
    return name;
  }

  clone(stage: Stage = this.stage): StageState {
    const c = Object.create(StageState.prototype) as StageState;
    Object.assign(c, {
      stage, loops: this.loops.map((l) => ({ ...l })), relations: [...this.relations],
      axisNames: new Set(this.axisNames), knownExtents: new Map(this.knownExtents),
      computeAt: this.computeAt, storeAt: this.storeAt,
      bounds: new Map(this.bounds), alignments: new Map(this.alignments), storage: this.storage,
    });
    return c;
  }

  /** Takes over the region and storage hints of `from` (a state this one replaces, same pure axes). */
  inheritHints(from: StageState): this {
    this.bounds = new Map(from.bounds);
    this.alignments = new Map(from.alignments);
    this.storage = from.storage;
    for (const [axis, b] of this.bounds) if (this.axisNames.has(axis)) this.knownExtents.set(axis, b.extent);
    return this;
  }
}
