/**
 * Blurs a photo with Halide's two-pass 3x3 box blur, compiled by Tessera to WebAssembly SIMD or WebGPU.
 *
 *   npm run example:blur -- IN OUT [--schedule classic|naive] [--dtype u16|f32] [--target wasm|webgpu] [--show-ir]
 *
 * Reads IN (JPEG or PNG), blurs each RGB channel, writes OUT as PNG and prints the time the compiled
 * blur took (median of several runs). Without IN and OUT it blurs the photo that ships with the
 * repository, examples/data/chelsea.png, into out/blur.png. With --target webgpu it runs
 * blurGpuSchedule on the WebGPU device, checks the result against the WebAssembly classic schedule,
 * and prints the kernel's time on the device (the timing method and the adapter named).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compile, type Pipeline, type Tensor } from '../tessera.js';
import { measure } from '../bench/harness.js';
import { fromPlanar, readImage, toPlanar, writePng, type PlanarImage, type RgbImage } from '../io/image.js';
import { blurGpuSchedule, blurPipeline, blurSchedule, classicSchedule, type BlurDtype } from './blur_pipeline.js';
import { runOnWebGpu } from './webgpu.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_INPUT = resolve(PROJECT_ROOT, 'examples/data/chelsea.png');
const DEFAULT_OUTPUT = resolve(PROJECT_ROOT, 'out/blur.png');
const SCHEDULES = ['classic', 'naive'] as const;
const DTYPES = ['u16', 'f32'] as const;
const TARGETS = ['wasm', 'webgpu'] as const;
const TIMED_RUNS = 7;
/** Calls before timing: V8 first runs WebAssembly from its baseline compiler and switches to optimized code after a while. */
const WARM_UP_MS = 1000;

const USAGE = `usage: npm run example:blur -- [IN OUT] [--schedule classic|naive] [--dtype u16|f32] [--target wasm|webgpu] [--show-ir]

  IN          a JPEG or PNG image (default: examples/data/chelsea.png, which ships with the repository)
  OUT         the blurred image, written as PNG (default: out/blur.png); its folder is created
  --schedule  classic (default): 32x256 tiles, SIMD, blur_x computed per tile
              naive: Halide's default schedule, everything inlined, serial scalar loops
  --dtype     u16 (default): integer arithmetic, floor division by 3
              f32: floating point, true division by 3
  --target    wasm (default): WebAssembly SIMD on this CPU, with --schedule
              webgpu: the GPU schedule (8x32 tiles, blur_x in workgroup memory) on the WebGPU device;
              checked against wasm's classic schedule; the kernel timed on the device (on SwiftShader,
              a CPU rasterizer, one launch over the default photo takes about half a minute)
  --show-ir   print the loop nest (and with webgpu the WGSL)
  -h, --help  this text`;

class UsageError extends Error {}

interface Options {
  input: string;
  output: string;
  schedule: (typeof SCHEDULES)[number];
  dtype: BlurDtype;
  target: (typeof TARGETS)[number];
  showIr: boolean;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be ${allowed.join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Where relative paths on the command line start: the caller's folder, also under `npm run`. */
function callerDirectory(): string {
  const viaNpm = process.env.npm_lifecycle_event === 'example:blur' && process.env.INIT_CWD;
  return viaNpm || process.cwd();
}

function parseOptions(argv: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        schedule: { type: 'string' },
        dtype: { type: 'string', default: 'u16' },
        target: { type: 'string', default: 'wasm' },
        'show-ir': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const schedule = oneOf('schedule', values.schedule ?? 'classic', SCHEDULES);
  const dtype = oneOf('dtype', values.dtype, DTYPES);
  const target = oneOf('target', values.target, TARGETS);
  if (target === 'webgpu' && values.schedule !== undefined) throw new UsageError('--schedule picks a WebAssembly schedule; --target webgpu runs blurGpuSchedule');
  const common = { schedule, dtype, target, showIr: values['show-ir'] };
  if (positionals.length === 0) return { input: DEFAULT_INPUT, output: DEFAULT_OUTPUT, ...common };
  if (positionals.length === 1) throw new UsageError(`missing OUT: where should the blurred ${positionals[0]} go?`);
  if (positionals.length > 2) throw new UsageError(`expected IN and OUT, got ${positionals.length} arguments: ${positionals.join(' ')}`);
  const base = callerDirectory();
  return { input: resolve(base, positionals[0]!), output: resolve(base, positionals[1]!), ...common };
}

/** `path` relative to the current folder when that is short, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('../../') ? path : rel;
}

/** Creates OUT's folder and refuses an OUT that is a folder, before any time is spent blurring. */
function prepareOutput(output: string): void {
  const folder = dirname(output);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new Error(`cannot create the folder ${folder} for OUT: ${(error as Error).message}`, { cause: error });
  }
  if (existsSync(output) && statSync(output).isDirectory()) throw new Error(`OUT ${output} is a folder; give a file name such as ${join(output, 'blur.png')}`);
}

/** Calls `fn` for WARM_UP_MS, so that the timed calls run V8's optimized code. */
function warmUp(fn: () => void): void {
  const end = performance.now() + WARM_UP_MS;
  do fn(); while (performance.now() < end);
}

async function run(options: Options): Promise<void> {
  const image: RgbImage = readImage(options.input);
  prepareOutput(options.output);
  const megapixels = (image.width * image.height) / 1e6;
  console.log(`input:    ${shown(options.input)} (${image.width}x${image.height}, 3 channels, ${megapixels.toFixed(2)} MP)`);

  const planar = toPlanar(image, options.dtype);
  const p = blurPipeline(options.dtype);
  const perMp = (ms: number) => `${(ms / megapixels).toFixed(2)} ms/MP`;
  const result = options.target === 'webgpu' ? await blurOnWebGpu(p, planar, options, perMp) : blurOnWasm(p, planar, options, perMp);

  const blurred = fromPlanar({ data: result, shape: planar.shape } as PlanarImage);
  try {
    writePng(options.output, blurred);
  } catch (error) {
    throw new Error(`cannot write ${options.output}: ${(error as Error).message}`, { cause: error });
  }
  console.log(`output:   ${shown(options.output)}`);
}

/** Compiles `options.schedule` to WebAssembly, times the call and the kernel alone; returns blur_y. */
function blurOnWasm(p: Pipeline, planar: PlanarImage, options: Options, perMp: (ms: number) => string): Tensor['data'] {
  const schedule = blurSchedule(p, options.schedule, options.dtype);
  const compileStart = performance.now();
  const blur = compile(p, schedule);
  const compileMs = performance.now() - compileStart;
  console.log(`schedule: ${options.schedule}, ${options.dtype} (compiled in ${compileMs.toFixed(0)} ms)`);
  for (const note of blur.notes) console.log(`  note: ${note}`);
  if (options.showIr) console.log(blur.loweredText);

  // The call as a user makes it: copies the image into WebAssembly memory and the result back out.
  let result: Tensor | undefined;
  const callOnce = () => { result = blur({ input: planar }).blur_y; };
  warmUp(callOnce);
  const call = measure(callOnce, { warmup: 0, reps: TIMED_RUNS });
  // The kernel alone: input and output already live in the kernel's memory (see kernel.alloc).
  const kernel = blur.kernel!;
  const residentIn = kernel.alloc(options.dtype, planar.shape);
  residentIn.data.set(planar.data);
  const residentOut = kernel.alloc(options.dtype, planar.shape);
  const alone = measure(() => blur({ input: residentIn }, { blur_y: residentOut }), { warmup: 1, reps: TIMED_RUNS });
  console.log(`time:     ${call.medianMs.toFixed(2)} ms (${perMp(call.medianMs)}), median of ${TIMED_RUNS} runs after ${WARM_UP_MS / 1000} s of warm-up;`
    + ` kernel alone ${alone.medianMs.toFixed(2)} ms (${perMp(alone.medianMs)})`);
  return result!.data;
}

/**
 * Largest difference allowed from WebAssembly for f32: WGSL's f32 division is within 2.5 ULP, not
 * correctly rounded; with values below 256 (ULP 2^-16) the two divisions are off by at most about
 * 2 x 2.5 x 1.5e-5 = 7.6e-5. u16 must match exactly.
 */
const F32_TOLERANCE = 1e-4;

/** Runs blurGpuSchedule on WebGPU, checks it against the WebAssembly classic schedule; returns blur_y. */
async function blurOnWebGpu(p: Pipeline, planar: PlanarImage, options: Options, perMp: (ms: number) => string): Promise<Tensor['data']> {
  const gpu = await runOnWebGpu(p, blurGpuSchedule(p), { input: planar }, { showIr: options.showIr, runs: TIMED_RUNS });
  const got = gpu.outputs.blur_y!.data;
  const want = compile(p, classicSchedule(p, options.dtype))({ input: planar }).blur_y!.data;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  const tolerance = options.dtype === 'u16' ? 0 : F32_TOLERANCE;
  console.log(`check:    ${worst <= tolerance ? 'OK' : 'MISMATCH'}, largest difference from the WebAssembly classic schedule ${worst === 0 ? 0 : worst.toExponential(2)} (tolerance ${tolerance})`);
  if (worst > tolerance) throw new Error('the WebGPU blur differs from the WebAssembly blur');
  console.log(`time:     ${gpu.medianMs.toFixed(2)} ms (${perMp(gpu.medianMs)}), kernel alone, ${gpu.how}`);
  return got;
}

async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`blur: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    await run(options);
    return 0;
  } catch (error) {
    console.error(`blur: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
