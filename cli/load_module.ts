/**
 * MODULE files of the CLI: a `.ts`, `.js` or `.mjs` ES module that exports its pipelines, each with
 * named schedules, how to count its work and the sizes to benchmark it at:
 *
 *   export const pipelines = {
 *     blur: {
 *       pipeline: () => blurPipeline('u16'),                // a Pipeline, or a function building one
 *       schedules: { classic: (p) => classicSchedule(p, 'u16'), naive: naiveSchedule },
 *       work: { pixels: 'H * W' },                         // optional: flops or pixels per call
 *       sizes: { C: 3, H: 1536, W: 2560 },                 // optional: `tessera bench`'s default sizes
 *     },
 *     sgemm: () => sgemmPipeline(),                        // short form: no schedules, work or sizes
 *   };
 *
 * `.ts` modules are loaded through tsx (an optional peer dependency), registered globally: tsx's
 * `tsImport` would load the module's imports in a namespace of their own, so its pipelines would be
 * made of other copies of Tessera's classes than the CLI's.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import type { WorkCount } from '../runtime/abi.js';
import { CliError } from './command.js';
import { readTraceFile, replayTrace } from './trace_file.js';
import { parseWork } from './work.js';

export type ScheduleBuilder = (p: Pipeline) => Schedule;

/** A pipeline entry of a module, in its long form. */
export interface ModulePipeline {
  readonly pipeline: Pipeline | (() => Pipeline);
  readonly schedules?: Readonly<Record<string, ScheduleBuilder>>;
  /** Expressions over the size names: `flops: '2 * M * N * K'`, `pixels: 'H * W'`. */
  readonly work?: { readonly flops?: string; readonly pixels?: string };
  readonly sizes?: Readonly<Record<string, number>>;
}

export interface LoadedModule {
  /** The path as given, for messages. */
  readonly path: string;
  readonly pipelines: ReadonlyMap<string, ModulePipeline>;
}

/** A pipeline picked from a module, built. */
export interface SelectedPipeline {
  readonly name: string;
  readonly pipeline: Pipeline;
  readonly entry: ModulePipeline;
  /** The entry's work count as shape expressions (see cli/work.ts). */
  readonly work?: WorkCount;
}

/** A schedule picked by name or read from a trace file. */
export interface SelectedSchedule {
  /** The schedule's name, the trace file's path, or 'default'. */
  readonly name: string;
  readonly schedule: Schedule;
}

const MODULE_EXTENSIONS = /\.(ts|mts|js|mjs)$/;
const IS_TYPESCRIPT = /\.m?ts$/;

let tsxRegistered = false;

/** Registers tsx's loader for the rest of the process. @throws CliError when tsx is not installed */
async function registerTsx(path: string): Promise<void> {
  if (tsxRegistered) return;
  let api: { register: () => unknown };
  try {
    api = await import('tsx/esm/api');
  } catch {
    throw new CliError(`cannot load module ${path}: TypeScript modules need tsx (npm install --save-dev tsx), or compile the module to .js`);
  }
  api.register();
  tsxRegistered = true;
}

function normalize(name: string, value: unknown, path: string): ModulePipeline {
  if (value instanceof Pipeline || typeof value === 'function') return { pipeline: value as ModulePipeline['pipeline'] };
  if (typeof value === 'object' && value !== null && 'pipeline' in value) {
    const entry = value as ModulePipeline;
    if (entry.schedules !== undefined && (typeof entry.schedules !== 'object' || entry.schedules === null)) throw new CliError(`module ${path}: pipelines.${name}.schedules must be an object of functions (p) => Schedule`);
    return entry;
  }
  throw new CliError(`module ${path}: pipelines.${name} must be a Pipeline, a function returning one, or { pipeline, schedules?, work?, sizes? }`);
}

/**
 * Imports a MODULE file and reads its `pipelines` export.
 * @param path relative to `cwd`
 * @throws CliError for a missing file, an extension that is not .ts/.js/.mjs, a `.ts` module without
 *   tsx installed, a module that throws while loading (its message), or no valid `pipelines` export
 */
export async function loadModule(path: string, cwd = process.cwd()): Promise<LoadedModule> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new CliError(`cannot load module ${path}: no such file`);
  if (!MODULE_EXTENSIONS.test(file)) throw new CliError(`cannot load module ${path}: a module is a .ts, .mts, .js or .mjs file`);
  if (IS_TYPESCRIPT.test(file)) await registerTsx(path);
  let exports: Record<string, unknown>;
  try {
    exports = await import(pathToFileURL(file).href) as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`cannot load module ${path}: ${(e as Error).name}: ${(e as Error).message}`);
  }
  const pipelines = exports.pipelines;
  if (typeof pipelines !== 'object' || pipelines === null) {
    throw new CliError(`module ${path} exports no \`pipelines\`: export const pipelines = { name: { pipeline, schedules } } (see docs/cli.md)`);
  }
  const entries = new Map(Object.entries(pipelines).map(([name, value]) => [name, normalize(name, value, path)] as const));
  if (entries.size === 0) throw new CliError(`module ${path}: \`pipelines\` is empty`);
  return { path, pipelines: entries };
}

/**
 * The pipeline called `name`, built (the only one when `name` is absent).
 * @throws CliError for an unknown name (listing the module's), a missing name where there are several,
 *   a builder that throws, or a value that is not a Pipeline of this Tessera
 */
export function selectPipeline(m: LoadedModule, name?: string): SelectedPipeline {
  const names = [...m.pipelines.keys()];
  if (name === undefined && names.length > 1) throw new CliError(`module ${m.path} has several pipelines (${names.join(', ')}): pick one with --pipeline NAME`);
  const chosen = name ?? names[0]!;
  const entry = m.pipelines.get(chosen);
  if (!entry) throw new CliError(`module ${m.path} has no pipeline ${JSON.stringify(chosen)}; it has ${names.join(', ')}`);
  let pipeline: unknown;
  try {
    pipeline = typeof entry.pipeline === 'function' ? entry.pipeline() : entry.pipeline;
  } catch (e) {
    throw new CliError(`pipeline ${chosen} of ${m.path}: building it threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  if (!(pipeline instanceof Pipeline)) {
    throw new CliError(`pipeline ${chosen} of ${m.path} is not a Pipeline of this Tessera (build it with pipeline(...); a module that imports another copy of the tessera package makes objects this CLI does not know)`);
  }
  const work = entry.work ? parseWork(entry.work, `pipeline ${chosen} of ${m.path}`) : undefined;
  return { name: chosen, pipeline, entry, ...(work ? { work } : {}) };
}

/**
 * The schedule `spec` of a selected pipeline: a name from its `schedules`, a trace file (a name
 * ending in .json), or the default schedule when `spec` is absent.
 * @throws CliError for an unknown name (listing the pipeline's), a builder that throws or returns no
 *   Schedule of this pipeline, or a trace file that cannot be read or replayed (see trace_file.ts)
 */
export async function selectSchedule(m: LoadedModule, selected: SelectedPipeline, spec?: string, cwd = process.cwd()): Promise<SelectedSchedule> {
  if (spec === undefined) return { name: 'default', schedule: new Schedule(selected.pipeline) };
  if (spec.endsWith('.json')) {
    const trace = await readTraceFile(resolve(cwd, spec));
    return { name: spec, schedule: replayTrace(selected.pipeline, trace, spec) };
  }
  const schedules = selected.entry.schedules ?? {};
  const build = Object.hasOwn(schedules, spec) ? schedules[spec] : undefined;
  const known = Object.keys(schedules);
  if (typeof build !== 'function') {
    throw new CliError(`pipeline ${selected.name} of ${m.path} has no schedule ${JSON.stringify(spec)}; ${known.length ? `it has ${known.join(', ')}` : 'it names no schedules'} (or pass a trace file, TRACE.json)`);
  }
  let schedule: unknown;
  try {
    schedule = build(selected.pipeline);
  } catch (e) {
    throw new CliError(`schedule ${spec} of pipeline ${selected.name}: building it threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  if (!(schedule instanceof Schedule) || schedule.pipeline !== selected.pipeline) {
    throw new CliError(`schedule ${spec} of pipeline ${selected.name} must return new Schedule(p) of the pipeline it is given, scheduled`);
  }
  return { name: spec, schedule };
}
