const t0 = performance.now();
await import('binaryen');
console.log('binaryen', performance.now() - t0);
