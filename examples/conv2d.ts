/**
 * Runs a 3x3 convolution layer (NCHW, padding 1, stride 1, bias) compiled by Tessera on seeded random
 * data, checks it against plain JS loops, and prints its time and GFLOP/s.
 *
 *   npm run example:conv [-- --seed 1] [--target wasm|webgpu] [--show-ir]
 *
 * --target wasm (default) compiles conv2dSchedule to WebAssembly SIMD; --target webgpu compiles
 * conv2dGpuSchedule, runs it on the WebGPU device and times the kernel there (the timing method and
 * the adapter named). --show-ir prints the loop nest (and with webgpu the WGSL).
 */
import { parseArgs } from 'node:util';
import { compile, type Pipeline, type Tensor } from '../tessera.js';
import { measure } from '../bench/harness.js';
import { conv2dGpuSchedule, conv2dPipeline, conv2dSchedule, type Conv2dSizes } from './conv2d_pipeline.js';
import { random } from './random.js';
import { runOnWebGpu } from './webgpu.js';

const SIZES: Conv2dSizes = { N: 1, C: 16, K: 16, H: 56, W: 56 };
const TIMED_RUNS = 21;
/** Calls before timing: V8 first runs WebAssembly from its baseline compiler and switches to optimized code after a while. */
const WARM_UP_MS = 500;
/** Allowed difference from the f64 reference: f32 rounding over C*9 = 144 products. */
const TOLERANCE = 1e-4;

const USAGE = `usage: npm run example:conv [-- --seed N] [--target wasm|webgpu] [--show-ir]

  --seed N    seed of the random input, weights and bias (default 1)
  --target    wasm (default): WebAssembly SIMD on this CPU
              webgpu: the GPU schedule (8x16 pixels a workgroup, 4 channels an invocation), timed on the device
  --show-ir   print the loop nest (and with webgpu the WGSL)
  -h, --help  this text`;

interface Options { seed: number; target: 'wasm' | 'webgpu'; showIr: boolean }

/** The layer as a straightforward 7-deep loop nest, in f64. */
function conv2dReference(input: Float32Array, weights: Float32Array, bias: Float32Array, { N, C, K, H, W }: Conv2dSizes): Float64Array {
  const out = new Float64Array(N * K * H * W);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let acc = bias[k]!;
          for (let c = 0; c < C; c++) {
            for (let ry = 0; ry < 3; ry++) {
              for (let rx = 0; rx < 3; rx++) {
                const iy = y + ry - 1, ix = x + rx - 1;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += input[((n * C + c) * H + iy) * W + ix]! * weights[((k * C + c) * 3 + ry) * 3 + rx]!;
              }
            }
          }
          out[((n * K + k) * H + y) * W + x] = acc;
        }
      }
    }
  }
  return out;
}

type ConvArgs = Readonly<Record<string, Tensor>>;
/** The output of one call, and a function that times the layer: milliseconds and how they were taken. */
interface ConvRun { got: Tensor['data']; time(): { ms: number; how: string } }

/** conv2dSchedule compiled to WebAssembly; timed as a user calls it, after WARM_UP_MS of warm-up. */
function onWasm(p: Pipeline, args: ConvArgs, showIr: boolean): ConvRun {
  const compileStart = performance.now();
  const conv = compile(p, conv2dSchedule(p));
  console.log(`compiled: ${(performance.now() - compileStart).toFixed(0)} ms, ${conv.binary!.length} bytes of WebAssembly`);
  for (const note of conv.notes) console.log(`  note: ${note}`);
  if (showIr) console.log(conv.loweredText);
  const time = () => {
    const warmUpEnd = performance.now() + WARM_UP_MS;
    do conv(args); while (performance.now() < warmUpEnd);
    const { medianMs } = measure(() => conv(args), { warmup: 0, reps: TIMED_RUNS });
    return { ms: medianMs, how: `median of ${TIMED_RUNS} after ${WARM_UP_MS} ms of warm-up` };
  };
  return { got: conv(args).out!.data, time };
}

/** conv2dGpuSchedule on the WebGPU device; the kernel timed there (runOnWebGpu times it before the check). */
async function onWebGpu(p: Pipeline, args: ConvArgs, showIr: boolean): Promise<ConvRun> {
  const gpu = await runOnWebGpu(p, conv2dGpuSchedule(p), args, { showIr, runs: TIMED_RUNS });
  return { got: gpu.outputs.out!.data, time: () => ({ ms: gpu.medianMs, how: gpu.how }) };
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' }, target: { type: 'string', default: 'wasm' },
      'show-ir': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${JSON.stringify(values.seed)}`);
  const target = values.target;
  if (target !== 'wasm' && target !== 'webgpu') throw new Error(`--target must be wasm or webgpu, got ${JSON.stringify(target)}`);
  return { seed, target, showIr: values['show-ir'] };
}

async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`conv2d: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { seed } = options;
  const { N, C, K, H, W } = SIZES;
  const next = random(seed);
  const input = new Float32Array(N * C * H * W).map(next);
  const weights = new Float32Array(K * C * 9).map(next);
  const bias = new Float32Array(K).map(next);
  const args = {
    input: { data: input, shape: [N, C, H, W] },
    weights: { data: weights, shape: [K, C, 3, 3] },
    bias: { data: bias, shape: [K] },
  };
  console.log(`conv2d:   NCHW input [${N}, ${C}, ${H}, ${W}], weights [${K}, ${C}, 3, 3], padding 1, stride 1, f32, seed ${seed}`);

  const p = conv2dPipeline(SIZES);
  const { got, time } = options.target === 'webgpu' ? await onWebGpu(p, args, options.showIr) : onWasm(p, args, options.showIr);
  const want = conv2dReference(input, weights, bias, SIZES);
  let worst = 0, worstAt = 0;
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    if (!(diff <= worst)) { worst = diff; worstAt = i; }
  }
  const ok = worst <= TOLERANCE;
  console.log(`check:    ${ok ? 'OK' : 'MISMATCH'}, largest difference from plain JS loops ${worst.toExponential(2)} (tolerance ${TOLERANCE})`);
  if (!ok) {
    console.error(`conv2d: out[${worstAt}] is ${got[worstAt]}, the reference says ${want[worstAt]}`);
    return 1;
  }

  const flops = 2 * N * K * H * W * C * 9;
  const gflops = (ms: number) => (flops / ms / 1e6).toFixed(2);
  const tessera = time();
  console.log(`time:     ${tessera.ms.toFixed(3)} ms, ${gflops(tessera.ms)} GFLOP/s (${tessera.how}; ${(flops / 1e6).toFixed(1)} MFLOP a call)`);
  const plain = measure(() => conv2dReference(input, weights, bias, SIZES), { warmup: 2, reps: 5 });
  console.log(`js loops: ${plain.medianMs.toFixed(3)} ms, ${gflops(plain.medianMs)} GFLOP/s`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
