/**
 * `npm run bench -- --only models`: whole networks end to end, milliseconds per inference (lower is
 * better): Tessera on 1 and 2 threads (compileOnnx, wasm-simd), onnxruntime-web (wasm, 1 thread here,
 * 2 in bench/run.ts's child process), onnxruntime-node (native, 1 thread) and TensorFlow.js wasm
 * (1 thread, the network built from the same ONNX weights by bench/peers/tfjs_model.ts). Every
 * implementation's outputs are checked against onnxruntime-node's first (rtol 1e-3, atol 1e-4), then
 * all are timed interleaved, round by round; Tessera's planned arena peak is reported next to its
 * lower bound, and onnxruntime-web's cold start (fresh processes) next to the timings.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import { compileOnnx } from '../model/compile_onnx.js';
import { readImage } from '../io/image.js';
import { resizeBilinear, toNchw } from '../examples/model_images.js';
import { ultrafaceInput } from '../examples/ultraface.js';
import { random } from '../examples/random.js';
import { ortModel } from './peers/ort.js';
import { tfjsModel } from './peers/tfjs_model.js';
import { ortWebColdStart, type ColdStart } from './peers/ort_cold_start.js';
import { tesseraColdStart, type TesseraColdStart } from './tessera_cold_start.js';
import type { RecordSource } from '../autotune/apply_record.js';

const shared = (p: string) => fileURLToPath(new URL(`../../shared/data/${p}`, import.meta.url));

export interface ModelWorkload {
  /** The key in results/bench.json's figures. */
  readonly key: string;
  readonly label: string;
  readonly file: string;
  readonly input: string;
  readonly shape: readonly number[];
  readonly data: () => Float32Array;
}

export const MODEL_WORKLOADS: readonly ModelWorkload[] = [
  {
    key: 'squeezenet', label: 'SqueezeNet 1.1 (224x224)', file: 'models/squeezenet1.1.onnx', input: 'data_0', shape: [1, 3, 224, 224],
    data: () => toNchw(resizeBilinear(readImage(shared('images/dog.jpg')), 224, 224), { order: 'bgr', mean: [103.939, 116.779, 123.68] }),
  },
  {
    key: 'ultraface', label: 'UltraFace RFB-320 (320x240)', file: 'models/ultraface_rfb320.onnx', input: 'input', shape: [1, 3, 240, 320],
    data: () => ultrafaceInput(readImage(shared('images/astronaut.png'))),
  },
  {
    key: 'mobilenetv2', label: 'MobileNetV2 (224x224, random weights)', file: 'models/mobilenet_v2_random.onnx', input: 'input', shape: [1, 3, 224, 224],
    data: () => seededImage(1),
  },
  {
    key: 'resnet18', label: 'ResNet-18 (224x224, random weights)', file: 'models/resnet18_random.onnx', input: 'input', shape: [1, 3, 224, 224],
    data: () => seededImage(2),
  },
];

/** A seeded [1, 3, 224, 224] input in [-1, 1): the random-weight networks take any values (../shared/data/README.md). */
function seededImage(seed: number): Float32Array {
  const r = random(seed);
  return Float32Array.from({ length: 3 * 224 * 224 }, () => r());
}

export interface ModelBenchContext {
  /** Times the variants interleaved (bench/harness.ts interleavedRunsAsync): median ms per call, by name. */
  readonly timeVariants: (variants: Readonly<Record<string, () => Promise<unknown>>>) => Promise<Record<string, number>>;
  readonly doTessera: boolean;
  readonly doOrtWeb: boolean;
  readonly doOrtNode: boolean;
  readonly doTfjs: boolean;
  /** Fresh processes for onnxruntime-web's and Tessera's cold starts (their medians); 0 measures none. */
  readonly coldStartRuns: number;
  /** Tuning records the Tessera models compile with (model tuning, model/tune_model.ts). */
  readonly records?: RecordSource;
}

export interface ModelBenchResult {
  readonly figures: Record<string, number>;
  readonly arena?: { readonly peakBytes: number; readonly lowerBoundBytes: number; readonly kernels: number };
  /** onnxruntime-web (1 thread): import + session + first inference, fresh processes. */
  readonly coldStart?: ColdStart;
  /** Tessera's artifact (1 thread): its size and cold start (import + load + first inference). */
  readonly tesseraColdStart?: TesseraColdStart;
  /** Kernels of the 1-thread and 2-thread models compiled from tuning records. */
  readonly tunedKernels?: readonly number[];
}

function maxExcess(got: Float32Array, want: ArrayLike<number>, rtol = 1e-3, atol = 1e-4): { ok: boolean; worst: number } {
  let worst = 0, ok = got.length === want.length;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    worst = Math.max(worst, d);
    if (!(d <= atol + rtol * Math.abs(want[i]!))) ok = false;
  }
  return { ok, worst };
}

function check(what: string, got: Record<string, Float32Array>, want: Record<string, ArrayLike<number>>): void {
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    if (!g) throw new Error(`${what}: output ${name} is missing`);
    const c = maxExcess(g, w);
    if (!c.ok) throw new Error(`${what}: output ${name} differs from onnxruntime-node's by up to ${c.worst} (rtol 1e-3, atol 1e-4)`);
  }
}

/**
 * Measures one model: every variant asked for is built and its outputs checked against
 * onnxruntime-node's, then all are timed interleaved; figures keyed 'ort-node', 'tessera',
 * 'tessera 2T', 'ort' (web, this process's threads) and 'tfjs'. onnxruntime-web's cold start is
 * measured last, in fresh processes.
 * @throws Error naming the variant whose output differs from onnxruntime-node's, or as the variants'
 *   builders do
 */
export async function benchModel(w: ModelWorkload, ctx: ModelBenchContext): Promise<ModelBenchResult> {
  ortNode.env.logLevel = 'error';
  const bytes = readFileSync(shared(w.file));
  const data = w.data();
  const feeds = { [w.input]: { data, shape: w.shape } };
  const reference = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const variants: Record<string, () => Promise<unknown>> = {};
  const release: (() => unknown)[] = [() => reference.release()];
  let arena: ModelBenchResult['arena'];
  const tunedKernels: number[] = [];
  let figures: Record<string, number> = {};
  try {
    const nodeFeeds = { [w.input]: new ortNode.Tensor('float32', data, [...w.shape]) };
    const ref = Object.fromEntries(Object.entries(await reference.run(nodeFeeds)).map(([k, t]) => [k, t.data as Float32Array]));
    if (ctx.doOrtNode) variants['ort-node'] = () => reference.run(nodeFeeds);
    if (ctx.doTessera) {
      for (const threads of [1, 2]) {
        const model = await compileOnnx(bytes, { threads, ...(ctx.records ? { records: ctx.records } : {}) });
        tunedKernels.push(model.tuned?.length ?? 0);
        release.push(() => model.dispose());
        const out = await model.run(feeds);
        check(`Tessera ${w.label} ${threads}T`, Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array])), ref);
        variants[threads === 1 ? 'tessera' : 'tessera 2T'] = () => model.run(feeds);
        if (threads === 1) arena = { peakBytes: model.plan.peakBytes, lowerBoundBytes: model.plan.lowerBoundBytes, kernels: model.kernelCount };
      }
    }
    if (ctx.doOrtWeb) {
      const op = await ortModel(bytes, feeds);
      release.push(() => op.release());
      check(`onnxruntime-web ${w.label}`, await op.result(), ref);
      variants.ort = () => op.run();
    }
    if (ctx.doTfjs) {
      const net = await tfjsModel(bytes, feeds);
      release.push(() => net.dispose());
      check(`TensorFlow.js ${w.label}`, net.result(), ref);
      variants.tfjs = async () => net.run();
    }
    if (Object.keys(variants).length) figures = await ctx.timeVariants(variants);
  } finally {
    for (const r of release.reverse()) await r();
  }
  const coldStart = ctx.coldStartRuns > 0 ? ortWebColdStart(shared(w.file), { name: w.input, shape: w.shape, data }, ctx.coldStartRuns) : undefined;
  const tessera = ctx.coldStartRuns > 0 && ctx.doTessera
    ? await tesseraColdStart(shared(w.file), { name: w.input, shape: w.shape, data }, ctx.coldStartRuns, ctx.records ? { records: ctx.records } : {})
    : undefined;
  return { figures, arena, coldStart, ...(tessera ? { tesseraColdStart: tessera } : {}), ...(ctx.doTessera ? { tunedKernels } : {}) };
}
