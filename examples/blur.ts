/**
 * Blurs a photo with Halide's two-pass 3x3 box blur, compiled by Tessera to WebAssembly SIMD.
 *
 *   npm run example:blur -- IN OUT [--schedule classic|naive] [--dtype u16|f32]
 *
 * Reads IN (JPEG or PNG), blurs each RGB channel, writes OUT as PNG and prints the time the compiled
 * blur took (median of several runs). Without IN and OUT it blurs ../shared/data/images/mate_LadyBird.jpg
 * into out/blur.png.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compile } from '../tessera.js';
import { measure } from '../bench/harness.js';
import { fromPlanar, readImage, toPlanar, writePng, type PlanarImage, type RgbImage } from './image.js';
import { blurPipeline, blurSchedule, type BlurDtype } from './blur_pipeline.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_INPUT = resolve(PROJECT_ROOT, '../shared/data/images/mate_LadyBird.jpg');
const DEFAULT_OUTPUT = resolve(PROJECT_ROOT, 'out/blur.png');
const SCHEDULES = ['classic', 'naive'] as const;
const DTYPES = ['u16', 'f32'] as const;
const TIMED_RUNS = 7;
/** Calls before timing: V8 first runs WebAssembly from its baseline compiler and switches to optimized code after a while. */
const WARM_UP_MS = 1000;

const USAGE = `usage: npm run example:blur -- [IN OUT] [--schedule classic|naive] [--dtype u16|f32]

  IN          a JPEG or PNG image (default: ../shared/data/images/mate_LadyBird.jpg)
  OUT         the blurred image, written as PNG (default: out/blur.png); its folder is created
  --schedule  classic (default): 32x256 tiles, SIMD, blur_x computed per tile
              naive: Halide's default schedule, everything inlined, serial scalar loops
  --dtype     u16 (default): integer arithmetic, floor division by 3
              f32: floating point, true division by 3
  -h, --help  this text`;

class UsageError extends Error {}

interface Options {
  input: string;
  output: string;
  schedule: (typeof SCHEDULES)[number];
  dtype: BlurDtype;
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
        schedule: { type: 'string', default: 'classic' },
        dtype: { type: 'string', default: 'u16' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const schedule = oneOf('schedule', values.schedule, SCHEDULES);
  const dtype = oneOf('dtype', values.dtype, DTYPES);
  if (positionals.length === 0) return { input: DEFAULT_INPUT, output: DEFAULT_OUTPUT, schedule, dtype };
  if (positionals.length === 1) throw new UsageError(`missing OUT: where should the blurred ${positionals[0]} go?`);
  if (positionals.length > 2) throw new UsageError(`expected IN and OUT, got ${positionals.length} arguments: ${positionals.join(' ')}`);
  const base = callerDirectory();
  return { input: resolve(base, positionals[0]!), output: resolve(base, positionals[1]!), schedule, dtype };
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

function run(options: Options): void {
  const image: RgbImage = readImage(options.input);
  prepareOutput(options.output);
  const megapixels = (image.width * image.height) / 1e6;
  console.log(`input:    ${shown(options.input)} (${image.width}x${image.height}, 3 channels, ${megapixels.toFixed(2)} MP)`);

  const planar = toPlanar(image, options.dtype);
  const p = blurPipeline(options.dtype);
  const schedule = blurSchedule(p, options.schedule, options.dtype);
  const compileStart = performance.now();
  const blur = compile(p, schedule);
  const compileMs = performance.now() - compileStart;
  console.log(`schedule: ${options.schedule}, ${options.dtype} (compiled in ${compileMs.toFixed(0)} ms)`);
  for (const note of blur.notes) console.log(`  note: ${note}`);

  // The call as a user makes it: copies the image into WebAssembly memory and the result back out.
  let result: PlanarImage | undefined;
  const callOnce = () => { result = blur({ input: planar }).blur_y as PlanarImage; };
  warmUp(callOnce);
  const call = measure(callOnce, { warmup: 0, reps: TIMED_RUNS });
  // The kernel alone: input and output already live in the kernel's memory (see kernel.alloc).
  const kernel = blur.kernel!;
  const residentIn = kernel.alloc(options.dtype, planar.shape);
  residentIn.data.set(planar.data);
  const residentOut = kernel.alloc(options.dtype, planar.shape);
  const alone = measure(() => blur({ input: residentIn }, { blur_y: residentOut }), { warmup: 1, reps: TIMED_RUNS });
  const perMp = (ms: number) => `${(ms / megapixels).toFixed(2)} ms/MP`;
  console.log(`time:     ${call.medianMs.toFixed(2)} ms (${perMp(call.medianMs)}), median of ${TIMED_RUNS} runs after ${WARM_UP_MS / 1000} s of warm-up;`
    + ` kernel alone ${alone.medianMs.toFixed(2)} ms (${perMp(alone.medianMs)})`);

  const blurred = fromPlanar({ data: result!.data, shape: planar.shape } as PlanarImage);
  try {
    writePng(options.output, blurred);
  } catch (error) {
    throw new Error(`cannot write ${options.output}: ${(error as Error).message}`, { cause: error });
  }
  console.log(`output:   ${shown(options.output)}`);
}

function main(argv: string[]): number {
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
    run(options);
    return 0;
  } catch (error) {
    console.error(`blur: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
