/**
 * The rule table: the rules the space generator tries on each stage, in this order (MetaSchedule's
 * default CPU rules: AutoInline, MultiLevelTiling, ParallelizeVectorizeUnroll, RandomComputeLocation; for the GPU its SSSRRSRS tiling bound to the grid).
 * A new rule is one file in this folder and one line here.
 */
import type { ScheduleRule } from './rule.js';
import { autoInline } from './auto_inline.js';
import { multiLevelTiling } from './multi_level_tiling.js';
import { spatialTiling } from './spatial_tiling.js';
import { randomComputeLocation } from './random_compute_location.js';
import { innerVectorize } from './inner_vectorize.js';
import { gpuMultiLevelTiling } from './gpu_multi_level_tiling.js';
import { gpuSpatialTiling } from './gpu_spatial_tiling.js';

export const RULES: readonly ScheduleRule[] = [
  autoInline,
  multiLevelTiling,
  gpuMultiLevelTiling,
  spatialTiling,
  gpuSpatialTiling,
  randomComputeLocation,
  innerVectorize,
];

export type { ScheduleRule, RuleContext, RuleTarget } from './rule.js';
export { WASM_SIMD_TARGET } from './rule.js';
