/** Seeded random floats in [-1, 1) for examples and benchmarks (reference/random.ts). */
export { random } from '../reference/random.js';
