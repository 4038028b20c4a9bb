import fc from 'fast-check';
const t0 = Date.now();
try {
  fc.assert(fc.property(fc.array(fc.nat(1000), { maxLength: 50 }), (xs) => { const e = Date.now() + 30; while (Date.now() < e); if (xs.length > 3) throw new Error('boom ' + xs.length); }), { numRuns: 50, seed: 1, interruptAfterTimeLimit: 1500, markInterruptAsFailure: true });
} catch (e) { console.log((e as Error).message.slice(0, 600)); }
console.log('elapsed', Date.now() - t0);
