/**
 * `tessera bench MODULE|ARTIFACT [--size NAME=N ...] [--input NAME=FILE ...] [--threads N]`: times a
 * kernel, compiled from a module's pipeline or loaded from an artifact (NAME.json) with the runtime
 * alone, on given or random inputs: the median of several calls after a warm-up, and GFLOP/s or
 * ms per megapixel where the pipeline says how to count its work (`work` of the module's entry, kept
 * in the artifact's description).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compile, compileGpu } from '../../tessera.js';
import { loadArtifact } from '../../runtime/artifact.js';
import type { WorkCount } from '../../runtime/abi.js';
import { bindArguments } from '../../runtime/bind.js';
import { storageArrayType } from '../../runtime/dtype.js';
import { type ArgSpec, evalShape } from '../../runtime/signature.js';
import type { Tensor } from '../../runtime/tensor.js';
import { ThreadPool } from '../../runtime/thread_pool.js';
import type { WasmKernel } from '../../runtime/wasm_kernel.js';
import { type CliCommand, type CliIo, CliError, collect, oneOf, pairs, positiveInteger } from '../command.js';
import { loadModule, selectPipeline, selectSchedule } from '../load_module.js';
import { readTensor } from '../tensor_files.js';
import { timeCalls } from '../measure.js';
import { isLoadedModel } from '../../runtime/model_artifact.js';
import { TARGETS } from './compile.js';

interface BenchOptions {
  readonly pipeline?: string;
  readonly schedule?: string;
  readonly target: string;
  readonly size: readonly string[];
  readonly input: readonly string[];
  readonly threads?: string;
  readonly runs: string;
  readonly warmUp: string;
}

/** What is timed: a call of the kernel, its arguments, and what the report says about it. */
interface Subject {
  readonly label: string;
  readonly args: readonly ArgSpec[];
  readonly call: (inputs: Readonly<Record<string, Tensor>>) => unknown;
  readonly wasm?: WasmKernel;
  readonly work?: WorkCount;
  readonly sizes: Readonly<Record<string, number>>;
  readonly close: () => unknown;
}

/** Uniform random values: floats in [0, 1), integers in [0, 255] (in range for every dtype). */
function randomTensor(arg: ArgSpec, shape: readonly number[], seed: number): Tensor {
  const T = storageArrayType(arg.dtype);
  const data = new T(shape.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  const float = arg.dtype === 'f32' || arg.dtype === 'f64';
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = float ? s / 2 ** 32 : s >>> 24;
  }
  return { data, shape };
}

async function inputsFor(s: Subject, o: BenchOptions, io: CliIo): Promise<Record<string, Tensor>> {
  const files = pairs('--input', o.input);
  const sizes = new Map(Object.entries(s.sizes));
  for (const [name, value] of pairs('--size', o.size)) sizes.set(name, positiveInteger(`--size ${name}`, value));
  const inputs: Record<string, Tensor> = {};
  const args = s.args.filter((a) => a.role === 'input');
  for (const name of files.keys()) if (!args.some((a) => a.name === name)) throw new CliError(`--input ${name}: the kernel has no input ${name}; it has ${args.map((a) => a.name).join(', ')}`);
  for (const a of args) {
    const file = files.get(a.name);
    if (file) inputs[a.name] = await readTensor(a, file, io.cwd);
  }
  // Sizes the file inputs fix, then random inputs of the sizes given.
  for (const a of args) {
    const t = inputs[a.name];
    if (t) a.shape.forEach((e, d) => { if (typeof e === 'string' && !sizes.has(e)) sizes.set(e, t.shape[d]!); });
  }
  args.forEach((a, i) => {
    if (inputs[a.name]) return;
    const shape = a.shape.map((e) => {
      try {
        return evalShape(e, sizes);
      } catch {
        const missing = a.shape.filter((x) => typeof x === 'string' && !sizes.has(x));
        throw new CliError(`input ${a.name} needs the size${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: pass --size ${missing.map((n) => `${n}=N`).join(' --size ')}, or --input ${a.name}=FILE`);
      }
    });
    inputs[a.name] = randomTensor(a, shape, i + 1);
  });
  return inputs;
}

async function subjectOf(source: string, o: BenchOptions, io: CliIo, pool: ThreadPool | undefined): Promise<Subject> {
  if (source.endsWith('.json')) {
    const loaded = await loadArtifact(resolve(io.cwd, source), pool ? { threadPool: pool } : {});
    if (isLoadedModel(loaded)) {
      await loaded.close();
      throw new CliError(`${source} is a model; tessera bench times kernels. Time models with npm run bench -- --only models, or run one with tessera run ${source}`);
    }
    const d = loaded.description;
    const args = loaded.target === 'webgpu' ? loaded.description.program.args : loaded.description.signature.args;
    const binary = loaded.target === 'webgpu' ? 'WebGPU' : loaded.binary.file;
    return {
      label: `artifact ${d.name} (${d.target}, ${binary})`, args, call: loaded, wasm: loaded.target === 'wasm-simd' ? loaded.kernel : undefined,
      ...(d.work ? { work: d.work } : {}), sizes: {}, close: () => loaded.close(),
    };
  }
  const target = oneOf('--target', o.target, TARGETS);
  const m = await loadModule(source, io.cwd);
  const selected = selectPipeline(m, o.pipeline);
  const { name, schedule } = await selectSchedule(m, selected, o.schedule, io.cwd);
  const label = `pipeline ${selected.name} of ${source}, schedule ${name}, ${target}`;
  const common = { label, ...(selected.work ? { work: selected.work } : {}), sizes: selected.entry.sizes ?? {} };
  if (target === 'webgpu') {
    const f = await compileGpu(selected.pipeline, schedule);
    return { ...common, args: f.program.args, call: f, close: () => f.kernel.ctx.destroy() };
  }
  const f = compile(selected.pipeline, schedule);
  if (pool) await f.kernel!.useThreadPool(pool);
  return { ...common, label: `${label}${f.signature.fma === 'relaxed' ? ' (relaxed-SIMD FMA)' : ''}`, args: f.signature.args, call: f, wasm: f.kernel, close: () => {} };
}

function throughput(work: WorkCount | undefined, params: ReadonlyMap<string, number>, ms: number): string {
  if (work?.flops !== undefined) return `, ${(evalShape(work.flops, params) / ms / 1e6).toFixed(2)} GFLOP/s`;
  if (work?.pixels !== undefined) return `, ${(ms / (evalShape(work.pixels, params) / 1e6)).toFixed(3)} ms/MP`;
  return '';
}

async function run(source: string, o: BenchOptions, io: CliIo): Promise<void> {
  const runs = positiveInteger('--runs', o.runs);
  const warmUpMs = Number(o.warmUp);
  if (!Number.isFinite(warmUpMs) || warmUpMs < 0) throw new CliError(`--warm-up must be a number of milliseconds, got ${JSON.stringify(o.warmUp)}`);
  const threads = o.threads === undefined ? undefined : positiveInteger('--threads', o.threads);
  const pool = threads && threads > 1 ? await ThreadPool.create(threads) : undefined;
  try {
    const s = await subjectOf(source, o, io, pool);
    try {
      const inputs = await inputsFor(s, o, io);
      const { params } = bindArguments({ name: s.label, params: [], args: s.args }, inputs);
      // Inputs resident in the kernel's memory: the time is the kernel's, not the copies'.
      const resident = s.wasm ? Object.fromEntries(Object.entries(inputs).map(([k, t]) => {
        const r = s.wasm!.alloc(s.args.find((a) => a.name === k)!.dtype, t.shape);
        r.data.set(t.data as never);
        return [k, r];
      })) : inputs;
      const t = await timeCalls(() => s.call(resident), { warmUpMs, runs });
      const shown = [...params].map(([k, v]) => `${k}=${v}`).join(' ');
      io.out(`${s.label}${shown ? ` at ${shown}` : ''}${pool ? `, ${pool.threads} threads` : ''}: ${t.medianMs.toFixed(3)} ms median of ${t.runs} runs (min ${t.minMs.toFixed(3)}) after ${warmUpMs} ms of warm-up${throughput(s.work, params, t.medianMs)}\n`);
    } finally {
      await s.close();
    }
  } finally {
    await pool?.close();
  }
}

export const benchCommand: CliCommand = {
  name: 'bench',
  register(program: Command, io: CliIo) {
    program.command('bench')
      .description('time a kernel of MODULE, or an artifact (NAME.json), on given or random inputs')
      .argument('<MODULE|ARTIFACT>', 'a .ts/.js module exporting `pipelines`, or an artifact description NAME.json')
      .option('-p, --pipeline <NAME>', 'the pipeline (module; needed when it has several)')
      .option('-s, --schedule <NAME|TRACE.json>', "one of the pipeline's schedules, or a trace file (module)")
      .option('-t, --target <TARGET>', 'wasm-simd or webgpu (module)', 'wasm-simd')
      .option('--size <NAME=N>', 'a size of the random inputs (repeat; default: the module entry\'s sizes)', collect, [])
      .option('-i, --input <NAME=FILE>', 'an input from a .npy or image file (repeat)', collect, [])
      .option('--threads <N>', 'run parallel loops on a pool of N threads (WebAssembly)')
      .option('--runs <N>', 'timed calls', '9')
      .option('--warm-up <MS>', 'milliseconds of untimed calls first', '1000')
      .action((source: string, o: BenchOptions) => run(source, o, io));
  },
};
