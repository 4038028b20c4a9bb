/**
 * Structural keys of expressions: equal keys mean structurally equal expressions (variables compared by
 * identity). Used for common-subexpression detection and canonical term order in the simplifier.
 */
import type { Expr } from './expr.js';
import { MemoCache } from './memo_cache.js';

const cache = new MemoCache<Expr, string>();

/**
 * Ids padded to a fixed width, so that keys order variables as their ids do whatever the ids' digit
 * counts: the simplifier's canonical term order then depends on the order variables were made in,
 * not on how many a process made before (the same schedule must give the same code).
 */
const id = (n: number): string => n.toString().padStart(10, '0');

export function exprKey(e: Expr): string {
  let k = cache.get(e);
  if (k !== undefined) return k;
  const t = e.lanes === 1 ? e.dtype : `${e.dtype}x${e.lanes}`;
  switch (e.kind) {
    case 'const': k = `${e.value}:${t}`; break;
    case 'var': k = `$${id(e.v.id)}`; break;
    case 'binary': k = `(${e.op} ${exprKey(e.a)} ${exprKey(e.b)})`; break;
    case 'cmp': k = `(${e.op} ${exprKey(e.a)} ${exprKey(e.b)})`; break;
    case 'not': k = `(! ${exprKey(e.a)})`; break;
    case 'select': k = `(? ${exprKey(e.cond)} ${exprKey(e.t)} ${exprKey(e.f)})`; break;
    case 'cast': k = `(${t} ${exprKey(e.value)})`; break;
    case 'reinterpret': k = `(bits ${t} ${exprKey(e.value)})`; break;
    case 'call': k = `(${e.fn} ${e.args.map(exprKey).join(' ')})`; break;
    case 'access': k = `(@${e.func.name} ${e.args.map(exprKey).join(' ')})`; break;
    case 'load': k = `(ld#${id(e.buffer.id)} ${exprKey(e.index)})`; break;
    case 'ramp': k = `(ramp ${exprKey(e.base)} ${exprKey(e.stride)} ${e.lanes})`; break;
    case 'broadcast': k = `(bc ${exprKey(e.value)} ${e.lanes})`; break;
    case 'let': k = `(let $${id(e.v.id)} ${exprKey(e.value)} ${exprKey(e.body)})`; break;
  }
  cache.set(e, k);
  return k;
}

export const sameExpr = (a: Expr, b: Expr): boolean => a === b || exprKey(a) === exprKey(b);
