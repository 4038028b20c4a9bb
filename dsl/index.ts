export * from './term.js';
export * from './reduction.js';
export * from './func.js';
export * from './boundary.js';
export * from './pipeline.js';
export * from './infix.js';
