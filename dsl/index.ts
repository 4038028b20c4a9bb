export * from './term.js';
export * from './func.js';
export * from './boundary.js';
export * from './pipeline.js';
