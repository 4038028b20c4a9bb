/**
 * Four stores of 4-lane 32-bit vectors that together write a 4x4 block transposed: store j writes
 * lanes i = 0..3 at base + j + i*S (a vector along one axis stored into a layout where another axis
 * is the dense one: channels along the lanes written to NCHW, S = H*W apart). Written lane by lane
 * that is 16 extracts and 16 scalar stores; transposed in registers (8 shuffles, as the SSE
 * _MM_TRANSPOSE4_PS macro does) it is four vector stores, row i holding lane i of every value.
 */
import binaryen from 'binaryen';
import * as ir from '../../ir/expr.js';
import type { Stmt } from '../../ir/stmt.js';
import { constDiff } from '../../ir/simplify.js';
import { bits } from '../../ir/dtype.js';

type X = binaryen.ExpressionRef;
type Store = Stmt & { kind: 'store' };

/** A transposed 4x4 block: the four stores, the first one's base index, and the row stride S. */
export interface TransposedStores {
  readonly stores: readonly [Store, Store, Store, Store];
  readonly base: ir.Expr;
  readonly stride: number;
}

const reads = (e: ir.Expr, buf: ir.Buffer): boolean => {
  let found = false;
  ir.walkExpr(e, (x) => { if (x.kind === 'load' && x.buffer === buf) found = true; });
  return found;
};

/**
 * The transposed block that `stmts[at..at+3]` write, or undefined. Each is a store of 4 lanes of a
 * 32-bit type into one buffer at ramp(base + j, S, 4), j = 0..3 in order, S the same constant, at
 * least 4 (so no two lanes of the block share an address and the order of the writes does not
 * matter), and no value reads the buffer (so computing all four before storing changes nothing).
 */
export function transposedStores(stmts: readonly Stmt[], at: number): TransposedStores | undefined {
  if (at + 4 > stmts.length) return undefined;
  const group = stmts.slice(at, at + 4);
  if (!group.every((s): s is Store => s.kind === 'store')) return undefined;
  const first = group[0] as Store;
  const buf = first.buffer;
  if (bits(buf.dtype) !== 32 || buf.dtype === 'bool') return undefined;
  let stride: number | undefined;
  for (let j = 0; j < 4; j++) {
    const s = group[j] as Store;
    if (s.buffer !== buf || s.value.lanes !== 4 || s.index.kind !== 'ramp' || reads(s.value, buf)) return undefined;
    const S = ir.constValue(s.index.stride);
    if (S === undefined || S < 4 || (stride !== undefined && S !== stride)) return undefined;
    stride = S;
    if (constDiff(s.index.base, (first.index as ir.Ramp).base) !== j) return undefined;
  }
  return { stores: group as [Store, Store, Store, Store], base: (first.index as ir.Ramp).base, stride: stride! };
}

/** Lanes of 32 bits as i8x16.shuffle byte indices (0-3 the first operand's lanes, 4-7 the second's). */
const lanes32 = (...l: number[]): number[] => l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);

/**
 * The transpose of four 4 x 32-bit vectors: result i holds lane i of rows 0..3, in row order. Each
 * row is read twice, so `rows` are getters of locals.
 */
export function transpose4x4(m: binaryen.Module, rows: readonly (() => X)[], share: (e: X) => () => X): X[] {
  const [r0, r1, r2, r3] = rows as [() => X, () => X, () => X, () => X];
  const lo01 = share(m.i8x16.shuffle(r0(), r1(), lanes32(0, 4, 1, 5)));
  const hi01 = share(m.i8x16.shuffle(r0(), r1(), lanes32(2, 6, 3, 7)));
  const lo23 = share(m.i8x16.shuffle(r2(), r3(), lanes32(0, 4, 1, 5)));
  const hi23 = share(m.i8x16.shuffle(r2(), r3(), lanes32(2, 6, 3, 7)));
  return [
    m.i8x16.shuffle(lo01(), lo23(), lanes32(0, 1, 4, 5)),
    m.i8x16.shuffle(lo01(), lo23(), lanes32(2, 3, 6, 7)),
    m.i8x16.shuffle(hi01(), hi23(), lanes32(0, 1, 4, 5)),
    m.i8x16.shuffle(hi01(), hi23(), lanes32(2, 3, 6, 7)),
  ];
}
