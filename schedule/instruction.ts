/**
 * Schedule instructions: every primitive applied is recorded as one plain-JSON instruction (TVM's
 * trace), so a schedule can be replayed on a freshly built pipeline, stored as a tuning record and
 * printed back as the TypeScript that produces it.
 */
import type { TailStrategy } from './state.js';

/**
 * A value that an earlier sampling instruction of the trace decided (MetaSchedule's random
 * variables): for a `sample_perfect_tile` named `sampled`, the product of its factors
 * decision[from..to) (default: all of them); for a `sample_categorical`, its chosen value (`from`
 * and `to` unused). Instructions store the reference, so a changed decision changes what they do
 * when the trace is replayed.
 */
export interface SampledRef { readonly sampled: string; readonly from?: number; readonly to?: number }

/** A split or vector/unroll factor: a number, or a value an earlier sampling instruction decided. */
export type Factor = number | SampledRef;

export const isSampledRef = (f: unknown): f is SampledRef =>
  typeof f === 'object' && f !== null && typeof (f as SampledRef).sampled === 'string';

/**
 * The sampling instructions (TVM MetaSchedule's SamplePerfectTile, SampleCategorical,
 * SampleComputeLocation): a trace holding them without a `decision` is a design space; with every
 * decision filled it is one schedule. Only decisions differ between the schedules of one space.
 *  - sample_perfect_tile: `n` factors whose product is the extent of loop `axis` of `stage`, the
 *    innermost at most `maxInnermost` (it transforms nothing: splits refer to the factors);
 *  - sample_categorical: one of `candidates` (numbers or strings);
 *  - sample_compute_at: where `stage` is computed: 'stage.axis', 'root' or 'inline', one of
 *    `candidates` when given (else any legal location); applying it applies that location.
 */
export type SamplingInstruction =
  | { op: 'sample_perfect_tile'; stage: string; axis: string; n: number; maxInnermost: number; name: string; decision?: number[] }
  | { op: 'sample_categorical'; stage: string; name: string; candidates: (number | string)[]; decision?: number | string }
  | { op: 'sample_compute_at'; stage: string; candidates?: string[]; decision?: string };

export type Instruction =
  | SamplingInstruction
  | { op: 'split'; stage: string; axis: string; factor: Factor; outer: string; inner: string; tail: TailStrategy }
  | { op: 'tile'; stage: string; axes: [string, string]; factors: [Factor, Factor]; names: [string, string, string, string]; tail: TailStrategy }
  | { op: 'fuse'; stage: string; outer: string; inner: string; fused: string }
  | { op: 'reorder'; stage: string; axes: string[] }
  | { op: 'vectorize'; stage: string; axis: string; factor?: Factor; outer?: string; inner?: string; tail?: TailStrategy }
  | { op: 'unroll'; stage: string; axis: string; factor?: Factor; outer?: string; inner?: string; tail?: TailStrategy }
  | { op: 'parallel'; stage: string; axis: string }
  | { op: 'serial'; stage: string; axis: string }
  | { op: 'compute_at'; stage: string; at: string; axis: string }
  | { op: 'compute_root'; stage: string }
  | { op: 'compute_inline'; stage: string }
  | { op: 'store_at'; stage: string; at: string; axis: string }
  | { op: 'store_root'; stage: string }
  | { op: 'rfactor'; stage: string; axis: string; name: string }
  | { op: 'cache_read'; stage: string; readers: string[]; name: string }
  | { op: 'cache_write'; stage: string; name: string }
  | { op: 'bound'; stage: string; axis: string; min: number; extent: number }
  | { op: 'align_bounds'; stage: string; axis: string; modulus: number; remainder: number }
  | { op: 'reorder_storage'; stage: string; dims: string[] }
  | { op: 'transform_layout'; stage: string; split?: { dim: string; factor: number; outer: string; inner: string }; order: string[] }
  | { op: 'gpu_blocks'; stage: string; axes: string[] }
  | { op: 'gpu_threads'; stage: string; axes: string[] }
  | { op: 'gpu_tile'; stage: string; axes: [string, string]; factors: [Factor, Factor]; names: [string, string, string, string]; tail: TailStrategy };

export type Op = Instruction['op'];

/** The TypeScript method name of each instruction on a stage handle. */
const METHOD: Record<Op, string> = {
  split: 'split', tile: 'tile', fuse: 'fuse', reorder: 'reorder', vectorize: 'vectorize', unroll: 'unroll',
  parallel: 'parallel', serial: 'serial', compute_at: 'computeAt', compute_root: 'computeRoot',
  compute_inline: 'computeInline', store_at: 'storeAt', store_root: 'storeRoot', rfactor: 'rfactor',
  cache_read: 'cacheRead', cache_write: 'cacheWrite', bound: 'bound', align_bounds: 'alignBounds',
  reorder_storage: 'reorderStorage', transform_layout: 'transformLayout', gpu_blocks: 'gpuBlocks', gpu_threads: 'gpuThreads', gpu_tile: 'gpuTile',
  sample_perfect_tile: 'samplePerfectTile', sample_categorical: 'sampleCategorical', sample_compute_at: 'sampleComputeAt',
};

const q = (s: string) => JSON.stringify(s);
/** A factor as code: a number, or the reference object literal. */
const f = (x: Factor): string => (typeof x === 'number' ? String(x) : JSON.stringify(x).replace(/"(\w+)":/g, '$1: ').replace(/,/g, ', ').replace(/^\{/, '{ ').replace(/\}$/, ' }'));
const decided = (d: unknown): string => (d === undefined ? '' : `, decision: ${JSON.stringify(d).replace(/,/g, ', ')}`);

function args(i: Instruction): string {
  switch (i.op) {
    case 'split': return `${q(i.axis)}, ${f(i.factor)}, { outer: ${q(i.outer)}, inner: ${q(i.inner)}, tail: ${q(i.tail)} }`;
    case 'tile': case 'gpu_tile': return `${q(i.axes[0])}, ${q(i.axes[1])}, ${f(i.factors[0])}, ${f(i.factors[1])}, { names: [${i.names.map(q).join(', ')}], tail: ${q(i.tail)} }`;
    case 'fuse': return `${q(i.outer)}, ${q(i.inner)}, { fused: ${q(i.fused)} }`;
    case 'reorder': case 'gpu_blocks': case 'gpu_threads': return i.axes.map(q).join(', ');
    case 'vectorize': case 'unroll':
      return i.factor === undefined ? q(i.axis) : `${q(i.axis)}, ${f(i.factor)}, { outer: ${q(i.outer!)}, inner: ${q(i.inner!)}, tail: ${q(i.tail ?? 'auto')} }`;
    case 'parallel': case 'serial': return q(i.axis);
    case 'compute_at': case 'store_at': return `${q(i.at)}, ${q(i.axis)}`;
    case 'compute_root': case 'compute_inline': case 'store_root': return '';
    case 'rfactor': return `${q(i.axis)}, { name: ${q(i.name)} }`;
    case 'cache_read': return `[${i.readers.map(q).join(', ')}], { name: ${q(i.name)} }`;
    case 'cache_write': return `{ name: ${q(i.name)} }`;
    case 'bound': return `${q(i.axis)}, ${i.min}, ${i.extent}`;
    case 'align_bounds': return `${q(i.axis)}, ${i.modulus}, ${i.remainder}`;
    case 'reorder_storage': return i.dims.map(q).join(', ');
    case 'transform_layout': {
      const split = i.split ? `split: { dim: ${q(i.split.dim)}, factor: ${i.split.factor}, outer: ${q(i.split.outer)}, inner: ${q(i.split.inner)} }, ` : '';
      return `{ ${split}order: [${i.order.map(q).join(', ')}] }`;
    }
    case 'sample_perfect_tile': return `${q(i.axis)}, ${i.n}, ${i.maxInnermost}, { name: ${q(i.name)}${decided(i.decision)} }`;
    case 'sample_categorical': return `${q(i.name)}, [${i.candidates.map((c) => JSON.stringify(c)).join(', ')}]${i.decision === undefined ? '' : `, { decision: ${JSON.stringify(i.decision)} }`}`;
    case 'sample_compute_at': {
      const opts = [...(i.candidates ? [`candidates: [${i.candidates.map(q).join(', ')}]`] : []), ...(i.decision === undefined ? [] : [`decision: ${q(i.decision)}`])];
      return opts.length ? `{ ${opts.join(', ')} }` : '';
    }
  }
}

/** One line of TypeScript that applies `i` to a schedule named `sch`. */
export function instructionToCode(i: Instruction, sch = 'sch'): string {
  // cache_read applies to inputs too, which have no stage handle.
  if (i.op === 'cache_read') return `${sch}.cacheRead(${q(i.stage)}, ${args(i)});`;
  return `${sch}.stage(${q(i.stage)}).${METHOD[i.op]}(${args(i)});`;
}
