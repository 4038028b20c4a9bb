/**
 * Schedule instructions: every primitive applied is recorded as one plain-JSON instruction (TVM's
 * trace), so a schedule can be replayed on a freshly built pipeline, stored as a tuning record and
 * printed back as the TypeScript that produces it.
 */
import type { TailStrategy } from './state.js';

export type Instruction =
  | { op: 'split'; stage: string; axis: string; factor: number; outer: string; inner: string; tail: TailStrategy }
  | { op: 'tile'; stage: string; axes: [string, string]; factors: [number, number]; names: [string, string, string, string]; tail: TailStrategy }
  | { op: 'fuse'; stage: string; outer: string; inner: string; fused: string }
  | { op: 'reorder'; stage: string; axes: string[] }
  | { op: 'vectorize'; stage: string; axis: string; factor?: number; outer?: string; inner?: string; tail?: TailStrategy }
  | { op: 'unroll'; stage: string; axis: string; factor?: number; outer?: string; inner?: string; tail?: TailStrategy }
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
  | { op: 'gpu_tile'; stage: string; axes: [string, string]; factors: [number, number]; names: [string, string, string, string]; tail: TailStrategy };

export type Op = Instruction['op'];

/** The TypeScript method name of each instruction on a stage handle. */
const METHOD: Record<Op, string> = {
  split: 'split', tile: 'tile', fuse: 'fuse', reorder: 'reorder', vectorize: 'vectorize', unroll: 'unroll',
  parallel: 'parallel', serial: 'serial', compute_at: 'computeAt', compute_root: 'computeRoot',
  compute_inline: 'computeInline', store_at: 'storeAt', store_root: 'storeRoot', rfactor: 'rfactor',
  cache_read: 'cacheRead', cache_write: 'cacheWrite', bound: 'bound', align_bounds: 'alignBounds',
  reorder_storage: 'reorderStorage', transform_layout: 'transformLayout', gpu_blocks: 'gpuBlocks', gpu_threads: 'gpuThreads', gpu_tile: 'gpuTile',
};

const q = (s: string) => JSON.stringify(s);

function args(i: Instruction): string {
  switch (i.op) {
    case 'split': return `${q(i.axis)}, ${i.factor}, { outer: ${q(i.outer)}, inner: ${q(i.inner)}, tail: ${q(i.tail)} }`;
    case 'tile': case 'gpu_tile': return `${q(i.axes[0])}, ${q(i.axes[1])}, ${i.factors[0]}, ${i.factors[1]}, { names: [${i.names.map(q).join(', ')}], tail: ${q(i.tail)} }`;
    case 'fuse': return `${q(i.outer)}, ${q(i.inner)}, { fused: ${q(i.fused)} }`;
    case 'reorder': case 'gpu_blocks': case 'gpu_threads': return i.axes.map(q).join(', ');
    case 'vectorize': case 'unroll':
      return i.factor === undefined ? q(i.axis) : `${q(i.axis)}, ${i.factor}, { outer: ${q(i.outer!)}, inner: ${q(i.inner!)}, tail: ${q(i.tail ?? 'auto')} }`;
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
  }
}

/** One line of TypeScript that applies `i` to a schedule named `sch`. */
export function instructionToCode(i: Instruction, sch = 'sch'): string {
  // cache_read applies to inputs too, which have no stage handle.
  if (i.op === 'cache_read') return `${sch}.cacheRead(${q(i.stage)}, ${args(i)});`;
  return `${sch}.stage(${q(i.stage)}).${METHOD[i.op]}(${args(i)});`;
}
