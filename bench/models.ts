/**
 * `npm run bench -- --only models`: whole networks end to end, milliseconds per inference (lower is
 * better): Tessera on 1 and 2 threads (compileOnnx, wasm-simd), onnxruntime-web (wasm, 1 thread here,
 * 2 in bench/run.ts's child process) and onnxruntime-node (native, 1 thread). Every implementation's
 * outputs are checked against onnxruntime-node's first (rtol 1e-3, atol 1e-4); Tessera's planned arena
 * peak is reported next to its lower bound.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import { compileOnnx } from '../model/compile_onnx.js';
import { readImage } from '../io/image.js';
import { resizeBilinear, toNchw } from '../examples/model_images.js';
import { ultrafaceInput } from '../examples/ultraface.js';
import { ortModel } from './peers/ort.js';

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
];

export interface ModelBenchContext {
  /** Times an async call: median of runs after a warm-up, ms. */
  readonly timeAsync: (fn: () => Promise<unknown>) => Promise<number>;
  readonly doTessera: boolean;
  readonly doOrtWeb: boolean;
  readonly doOrtNode: boolean;
}

export interface ModelBenchResult {
  readonly figures: Record<string, number>;
  readonly arena?: { readonly peakBytes: number; readonly lowerBoundBytes: number; readonly kernels: number };
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

/** Measures one model; figures keyed 'tessera', 'tessera 2T', 'ort' (web, this process's threads), 'ort-node'. */
export async function benchModel(w: ModelWorkload, ctx: ModelBenchContext): Promise<ModelBenchResult> {
  ortNode.env.logLevel = 'error';
  const bytes = readFileSync(shared(w.file));
  const data = w.data();
  const reference = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const nodeFeeds = { [w.input]: new ortNode.Tensor('float32', data, [...w.shape]) };
  const ref = Object.fromEntries(Object.entries(await reference.run(nodeFeeds)).map(([k, t]) => [k, t.data as Float32Array]));
  const figures: Record<string, number> = {};
  let arena: ModelBenchResult['arena'];
  if (ctx.doOrtNode) figures['ort-node'] = await ctx.timeAsync(() => reference.run(nodeFeeds));
  await reference.release();
  if (ctx.doTessera) {
    for (const threads of [1, 2]) {
      const model = await compileOnnx(bytes, { threads });
      try {
        const feeds = { [w.input]: { data, shape: w.shape } };
        const out = await model.run(feeds);
        check(`Tessera ${w.label} ${threads}T`, Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array])), ref);
        figures[threads === 1 ? 'tessera' : 'tessera 2T'] = await ctx.timeAsync(() => model.run(feeds));
        if (threads === 1) arena = { peakBytes: model.plan.peakBytes, lowerBoundBytes: model.plan.lowerBoundBytes, kernels: model.kernelCount };
      } finally {
        await model.dispose();
      }
    }
  }
  if (ctx.doOrtWeb) {
    const op = await ortModel(bytes, { [w.input]: { data, shape: w.shape } });
    check(`onnxruntime-web ${w.label}`, await op.result(), ref);
    figures.ort = await ctx.timeAsync(() => op.run());
    await op.release();
  }
  return { figures, arena };
}
