/**
 * Empty tensors (an extent 0, which ONNX allows and a kernel cannot have) fold: an operator whose
 * outputs are all empty computes nothing, so its outputs are known at compile time whatever its
 * inputs are (a Slice past the end, a Split part of size 0).
 */
import { constData, numel } from './host_tensors.js';
import type { OpEntry } from './op.js';

/** `entry` with a fold that gives empty constants when every output is empty (its own fold first). */
export function foldEmptyOutputs(entry: OpEntry): OpEntry {
  return {
    ...entry,
    fold(ctx) {
      const own = entry.fold?.(ctx);
      if (own) return own;
      const outs = entry.inferShapes(ctx);
      if (outs.length === 0 || outs.some((o) => numel(o.shape) !== 0)) return undefined;
      return outs.map((o) => ({ dtype: o.dtype, shape: [...o.shape], data: constData(o.dtype, []) }));
    },
  };
}
