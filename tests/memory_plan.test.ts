/**
 * The arena planner (graph/memory_plan.ts) on random lifetimes (fast-check): no two blocks that are
 * live at one step overlap in memory, shared tensors share an offset, offsets are aligned, the peak is
 * never below the lower bound and the lower bound is the brute-force maximum of live bytes.
 */
import test from 'ava';
import fc from 'fast-check';
import { planArena, MemoryPlanError, type TensorLifetime } from '../graph/memory_plan.ts';

const lifetimes = fc.array(fc.record({ bytes: fc.integer({ min: 0, max: 5000 }), first: fc.integer({ min: -1, max: 30 }), span: fc.integer({ min: 0, max: 12 }) }), { minLength: 1, maxLength: 40 })
  .map((xs) => xs.map((x, i): TensorLifetime => ({ name: `t${i}`, bytes: x.bytes, first: x.first, last: x.first + x.span })));

const ceil16 = (n: number) => Math.ceil(n / 16) * 16;

test('plans never overlap live blocks, respect shares and alignment, and reach at least the lower bound', (t) => {
  fc.assert(fc.property(lifetimes, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }), (ts, pairs) => {
    const shares = pairs.map(([a, b]) => [ts[a % ts.length]!.name, ts[b % ts.length]!.name] as const);
    const plan = planArena(ts, shares);
    // Blocks as the planner formed them: union of lifetimes, largest size.
    for (const b of plan.blocks) {
      if (plan.offsets.get(b.tensors[0]!)! % 16 !== 0) return false;
      for (const x of b.tensors) if (plan.offsets.get(x) !== b.offset) return false;
    }
    for (const [a, b] of shares) if (plan.offsets.get(a) !== plan.offsets.get(b)) return false;
    for (let i = 0; i < plan.blocks.length; i++) {
      for (let j = i + 1; j < plan.blocks.length; j++) {
        const x = plan.blocks[i]!, y = plan.blocks[j]!;
        const live = x.first <= y.last && y.first <= x.last;
        const apart = x.offset + x.bytes <= y.offset || y.offset + y.bytes <= x.offset;
        if (live && !apart && x.bytes > 0 && y.bytes > 0) return false;
      }
    }
    let brute = 0;
    for (let s = -1; s <= 45; s++) brute = Math.max(brute, plan.blocks.reduce((sum, b) => sum + (b.first <= s && s <= b.last ? b.bytes : 0), 0));
    return plan.lowerBoundBytes === brute && plan.peakBytes >= plan.lowerBoundBytes;
  }), { numRuns: 300 });
  t.pass();
});

test('best fit: a tensor takes the smallest gap that fits, and a chain of lifetimes reuses one block', (t) => {
  // Steps 0..3. a (1600) and c (160) are live together; b (800) is live with neither and reuses a's
  // place; d (480) is live with c only, and fits below it, in a's place, not above c.
  const plan = planArena([
    { name: 'a', bytes: 1600, first: 0, last: 1 },
    { name: 'c', bytes: 160, first: 1, last: 3 },
    { name: 'b', bytes: 800, first: 2, last: 2 },
    { name: 'd', bytes: 480, first: 3, last: 3 },
  ]);
  t.is(plan.offsets.get('a'), 0);
  t.is(plan.offsets.get('c'), 1600);
  t.is(plan.offsets.get('b'), 0);
  t.is(plan.offsets.get('d'), 0);
  t.is(plan.peakBytes, 1760);
  t.is(plan.lowerBoundBytes, 1760);
  // A chain x0 -> x1 -> ... where each is read only by the next: two blocks alternate.
  const chain = planArena(Array.from({ length: 10 }, (_, i) => ({ name: `x${i}`, bytes: 1000, first: i, last: i + 1 })));
  t.is(chain.peakBytes, 2 * ceil16(1000));
  t.is(chain.lowerBoundBytes, 2 * ceil16(1000));
});

test('bad plans are refused by name', (t) => {
  t.throws(() => planArena([{ name: 'a', bytes: 4, first: 0, last: 0 }, { name: 'a', bytes: 4, first: 1, last: 1 }]), { instanceOf: MemoryPlanError, message: /tensor a is listed twice/ });
  t.throws(() => planArena([{ name: 'a', bytes: 4, first: 2, last: 1 }]), { instanceOf: MemoryPlanError, message: /last read at step 1, before it is written at step 2/ });
  t.throws(() => planArena([{ name: 'a', bytes: 4, first: 0, last: 0 }], [['a', 'b']]), { instanceOf: MemoryPlanError, message: /share \[a, b\] names a tensor that is not planned: b/ });
  t.throws(() => planArena([{ name: 'a', bytes: 1.5, first: 0, last: 0 }]), { instanceOf: MemoryPlanError });
});
