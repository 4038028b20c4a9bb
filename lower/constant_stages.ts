/**
 * Stages computed from constants only, split out of a lowered kernel so that they run once, when a
 * model loads, instead of on every call: a weight transform (Winograd's U = G g G^T) or a weight
 * copy in the layout the sums read ('channels'' packed weights). This is TVM's constant folding of
 * the layout transforms AlterOpLayout inserts before a convolution (relay/transforms/fold_constant.cc),
 * done on the loop IR, so it holds for any schedule, tuned ones included.
 *
 * A stage is split out when it is computed at root into a stack buffer whose statements read only
 * the constant inputs (or buffers split out before it) and write only that buffer: its allocation
 * becomes an input of the kernel, and its statements a function of their own (the prepare
 * function) that takes those constants and writes the buffer.
 */
import { type Buffer, type Expr, type Var, children, constValue } from '../ir/expr.js';
import { type Allocate, type BufferArg, type LetStmt, type LoweredFunc, type Produce, type Stmt, NOOP, block, letStmt, stmtExprs, subStmts, varsDefinedIn, walkStmt } from '../ir/stmt.js';
import { verify } from '../ir/verify.js';

export interface ConstantStages {
  /** Computes the split buffers: args are the constant inputs it reads, then the split buffers (outputs). */
  readonly prepare: LoweredFunc;
  /** The kernel without those stages: args its inputs, then the split buffers as inputs, then its outputs. */
  readonly main: LoweredFunc;
  /** The split buffers, in the order both functions take them (each a flat [elements] buffer). */
  readonly split: readonly BufferArg[];
}

/** Every buffer a load in `s` reads, and every buffer a store writes. */
function bufferUses(s: Stmt): { reads: Set<Buffer>; writes: Set<Buffer>; vars: Set<Var> } {
  const reads = new Set<Buffer>(), writes = new Set<Buffer>(), vars = new Set<Var>();
  const expr = (e: Expr): void => {
    if (e.kind === 'load') reads.add(e.buffer);
    else if (e.kind === 'var') vars.add(e.v);
    children(e).forEach(expr);
  };
  walkStmt(s, (x) => {
    if (x.kind === 'store') writes.add(x.buffer);
    stmtExprs(x).forEach(expr);
  });
  return { reads, writes, vars };
}

/** The statements of `s` that run at its top level, in order (through blocks, lets and allocations). */
function spine(s: Stmt, out: Stmt[] = []): Stmt[] {
  out.push(s);
  if (s.kind === 'block' || s.kind === 'letStmt' || s.kind === 'allocate') for (const c of subStmts(s)) spine(c, out);
  return out;
}

/**
 * Splits `f`'s stages that read only `constant` input buffers (see the file's comment); undefined
 * when it has none.
 * @param constant input buffers of `f` whose values are the same on every call (a model's weights)
 * @throws VerifyError (an internal error) when a split function is not well formed
 */
export function splitConstantStages(f: LoweredFunc, constant: ReadonlySet<Buffer>): ConstantStages | undefined {
  if (constant.size === 0) return undefined;
  const available = new Set(constant);
  const params = new Set(f.params);
  const hoisted: { alloc: Allocate; produce: Produce; lets: LetStmt[] }[] = [];

  const splittable = (a: Allocate, lets: readonly LetStmt[]): Produce | undefined => {
    if (a.scope !== 'stack' || constValue(a.size) === undefined) return undefined;
    const produce = spine(a.body).find((x): x is Produce => x.kind === 'produce' && x.func.name === a.buffer.name);
    if (!produce) return undefined;
    const inside = new Set<Buffer>();
    walkStmt(produce.body, (x) => { if (x.kind === 'allocate') inside.add(x.buffer); });
    const uses = bufferUses(produce.body);
    if (![...uses.reads].every((b) => available.has(b) || inside.has(b))) return undefined;
    if (![...uses.writes].every((b) => b === a.buffer || inside.has(b))) return undefined;
    const bound = varsDefinedIn(produce.body), outer = new Set(lets.map((l) => l.v));
    if (![...uses.vars].every((v) => bound.has(v) || params.has(v) || outer.has(v))) return undefined;
    // Written once, before anything reads it: nothing after the produce may store to it.
    const rest = bufferUses(replace(a.body, produce, NOOP));
    return rest.writes.has(a.buffer) ? undefined : produce;
  };

  const rewrite = (s: Stmt, lets: LetStmt[]): Stmt => {
    switch (s.kind) {
      case 'letStmt': return letStmt(s.v, s.value, rewrite(s.body, [...lets, s]));
      case 'block': return block(s.stmts.map((x) => rewrite(x, lets)));
      case 'allocate': {
        const produce = splittable(s, lets);
        if (!produce) return { ...s, body: rewrite(s.body, lets) };
        hoisted.push({ alloc: s, produce, lets });
        available.add(s.buffer);
        return rewrite(replace(s.body, produce, NOOP), lets);
      }
      default: return s;
    }
  };
  const body = rewrite(f.body, []);
  if (hoisted.length === 0) return undefined;

  const split: BufferArg[] = hoisted.map((h) => ({ buffer: h.alloc.buffer, role: 'output', shape: [h.alloc.size] }));
  const inputs = f.args.filter((a) => a.role === 'input'), outputs = f.args.filter((a) => a.role === 'output');
  const main: LoweredFunc = { ...f, body, args: [...inputs, ...split.map((a) => ({ ...a, role: 'input' as const })), ...outputs] };
  // Each produce under the lets that enclosed it (stride and invariant lets of params only).
  const prepareBody = block(hoisted.map((h) => h.lets.reduceRight<Stmt>((b, l) => letStmt(l.v, l.value, b), h.produce)));
  const reads = bufferUses(prepareBody).reads;
  const prepare: LoweredFunc = { name: `${f.name}_prepare`, body: prepareBody, params: f.params, args: [...inputs.filter((a) => reads.has(a.buffer)), ...split] };
  verify(main);
  verify(prepare);
  return { prepare, main, split };
}

/** `s` with the statement `target` (by identity) replaced by `by`. */
function replace(s: Stmt, target: Stmt, by: Stmt): Stmt {
  if (s === target) return by;
  switch (s.kind) {
    case 'block': return block(s.stmts.map((x) => replace(x, target, by)));
    case 'letStmt': return letStmt(s.v, s.value, replace(s.body, target, by));
    case 'allocate': return { ...s, body: replace(s.body, target, by) };
    default: return s;
  }
}
