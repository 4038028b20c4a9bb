/**
 * The bounded memo table of ir/memo_cache.ts: entries survive one generation change (and are promoted
 * when read), are dropped after two, and the simplifier gives the same result once its memo has
 * turned over many times (a pure function of the expression, whatever the cache holds).
 */
import test from 'ava';
import { MemoCache } from '../ir/memo_cache.js';
import * as ir from '../ir/expr.js';
import { simplify } from '../ir/simplify.js';
import { printExpr } from '../ir/printer.js';

test('entries survive one generation, are promoted when read, and are dropped after two', (t) => {
  const cache = new MemoCache<object, number>(2);
  const keys = Array.from({ length: 7 }, () => ({}));
  cache.set(keys[0]!, 0);
  cache.set(keys[1]!, 1);
  cache.set(keys[2]!, 2);            // a new generation: 0 and 1 are old
  t.is(cache.get(keys[0]!), 0);      // promoted into the current generation
  cache.set(keys[3]!, 3);            // another: the old one (holding 1) is dropped
  t.is(cache.get(keys[1]!), undefined);
  t.is(cache.get(keys[0]!), 0);
  t.is(cache.get(keys[2]!), 2);
  for (let k = 4; k < 7; k++) cache.set(keys[k]!, k);
  t.is(cache.get(keys[3]!), undefined);
  t.is(cache.get(keys[6]!), 6);
});

test('the simplifier gives the same canonical form after its memo turned over', (t) => {
  const x = ir.varRef(new ir.Var('x')), y = ir.varRef(new ir.Var('y'));
  const e = () => ir.add(ir.mul(ir.add(y, ir.constant(2)), ir.constant(3)), ir.sub(x, ir.add(y, ir.constant(1))));
  const first = printExpr(simplify(e()));
  t.is(first, 'x + y * 2 + 5');
  // More distinct expressions than two generations hold.
  for (let k = 0; k < 300_000; k++) simplify(ir.add(x, ir.constant(k)));
  t.is(printExpr(simplify(e())), first);
});
