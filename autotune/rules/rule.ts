/**
 * Schedule rules (TVM MetaSchedule's ScheduleRule; Ansor's sketch rules): each looks at one stage
 * through the schedule view and, when it applies, appends instructions (sampling ones included) to
 * the schedule being turned into a design space. Rules are generic: they read stages, loops,
 * extents, reduction axes, accesses and dtypes, never a workload's name.
 *
 * A rule runs on a schedule whose sampler draws decisions as it goes; the space is that trace with the
 * decisions removed. So a rule must not base its structure on a drawn value: it may read extents of
 * the definition (shapes, reduction domains) but not loop extents that its own samples decide.
 */
import type { DType } from '../../ir/dtype.js';
import { bytes } from '../../ir/dtype.js';
import type { Schedule } from '../../schedule/schedule.js';
import type { Sizes } from '../../schedule/extents.js';
import type { AccessView, StageView } from '../../schedule/view.js';
import type { SpaceCheck } from '../checks.js';
import type { GpuLimits } from '../../schedule/gpu_limits.js';

/** What the rules need to know of the machine a space is for. */
export interface RuleTarget {
  readonly kind: 'wasm-simd' | 'webgpu';
  /** Threads a kernel runs on (wasm-simd); parallel outer loops when above 1. */
  readonly threads: number;
  /** Bytes of one SIMD register (16: WebAssembly's v128). */
  readonly vectorBytes: number;
  /** Vector registers the engine allocates: 16 xmm on x64 in V8, one kept as scratch. */
  readonly vectorRegisters: number;
  /** webgpu: the device limits the schedules must fit. */
  readonly gpuLimits?: GpuLimits;
}

/** The wasm-simd target of V8 on x64 (Node, Chromium). */
export const WASM_SIMD_TARGET: RuleTarget = { kind: 'wasm-simd', threads: 1, vectorBytes: 16, vectorRegisters: 16 };

export interface RuleContext {
  readonly target: RuleTarget;
  readonly sizes: Sizes;
  /** Stages a rule has scheduled completely; later rules skip them. */
  readonly handled: Set<string>;
  /** Adds a check that every schedule of the space must pass before it is compiled. */
  check(c: SpaceCheck): void;
}

export interface ScheduleRule {
  readonly name: string;
  /**
   * Schedules `stage` of `sch` if the rule applies to it.
   * @returns whether it appended instructions
   * @throws ScheduleError only for a bug in the rule (a rule checks what it relies on first)
   */
  apply(sch: Schedule, stage: string, ctx: RuleContext, variant?: number): boolean;
  /**
   * The structural variants the rule offers for `stage` (labels, variant 0 first), when there is more
   * than one: the space generator forks the sketch and applies variant v to fork v. Reads the
   * schedule only; an empty list or one label means no fork.
   */
  variants?(sch: Schedule, stage: string, ctx: RuleContext): readonly string[];
}

/** SIMD lanes of `dtype` in one register. */
export const lanesOf = (dtype: DType, target: RuleTarget): number => Math.max(1, target.vectorBytes / bytes(dtype));

/** A name for a new loop of `stage` from `base`, not yet used by it (deterministic). */
export function freshAxis(sch: Schedule, stage: string, base: string): string {
  const used = sch.state(stage).axisNames;
  if (!used.has(base)) return base;
  for (let k = 2; ; k++) if (!used.has(`${base}_${k}`)) return `${base}_${k}`;
}

/** A name for a new stage or sample, not yet used in the schedule. */
export function freshStage(sch: Schedule, base: string): string {
  const taken = (n: string) => sch.stagesInOrder().some((s) => s.name === n) || sch.pipeline.inputs.some((i) => i.name === n);
  if (!taken(base)) return base;
  for (let k = 2; ; k++) if (!taken(`${base}${k}`)) return `${base}${k}`;
}

/** Whether an access's index uses `axis` (a pure or reduction axis of the reader). */
export const dependsOn = (a: AccessView, axis: string): boolean =>
  a.indices.some((ix) => ix === undefined || (ix.coefficients[axis] ?? 0) !== 0);

/**
 * Whether `reader` reads `producer` only at its own point: every access has, in each dimension d,
 * exactly the reader's pure axis d (MetaSchedule's elementwise / injective "read at the same index").
 */
export function readsAtOwnPoint(reader: StageView, producer: string): boolean {
  const accesses = reader.accesses.filter((a) => a.tensor === producer);
  // Index 0 on an axis of extent 1 is that axis (ONNX broadcasting writes a batch of one so).
  const own = (ix: AccessView['indices'][number], d: number) => {
    if (ix === undefined || ix.offset !== 0) return false;
    const axes = Object.keys(ix.coefficients);
    return axes.length === 0 ? reader.axes[d]!.extent === 1 : axes.length === 1 && ix.coefficients[reader.axes[d]!.name] === 1;
  };
  return accesses.length > 0 && reader.reductionAxes.length === 0 && accesses.every((a) => a.indices.length === reader.axes.length && a.indices.every(own));
}

/**
 * The locations worth sampling for `stage`: its legal ones, without sites at an unrolled loop or
 * inside one (a producer there would be computed once per unrolled copy).
 */
export function locationCandidates(sch: Schedule, view: StageView, target: RuleTarget): string[] {
  const blocked = new Set<string>();
  const privateSites = new Set<string>();
  for (const s of sch.stagesInOrder()) {
    let inside = false;
    const lastThread = s.loops.map((l) => l.kind).lastIndexOf('gpu_thread');
    s.loops.forEach((l, k) => {
      if (l.kind === 'unrolled' || l.kind === 'vectorized') inside = true;
      if (inside) blocked.add(`${s.name}.${l.name}`);
      if (lastThread >= 0 && k >= lastThread) privateSites.add(`${s.name}.${l.name}`);
    });
  }
  const legal = view.legalLocations.filter((loc) => !blocked.has(loc));
  // On the GPU a stage runs inline or inside an invocation: at root or at block level it would need
  // loops bound to the grid of its own.
  return target.kind === 'webgpu' ? legal.filter((loc) => loc === 'inline' || privateSites.has(loc)) : legal;
}
