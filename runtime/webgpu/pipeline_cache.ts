/**
 * Compute pipelines by shader text: a kernel's WGSL is compiled once per device, and asking again for
 * the same text and entry point gives back the same pipeline. A shader that does not compile fails
 * with each error at its line and column, under the line it points at.
 */
import type { GpuContext } from './device.js';
import { GpuPipelineError, WgslCompileError, type WgslMessage } from './errors.js';
import { withErrorScope } from './error_scope.js';

/** `source`'s line `line` (1-based) with a caret under `length` code units from `column` (1-based). */
function pointAt(source: string, line: number, column: number, length: number): string {
  const text = source.split(/\r\n|\r|\n/)[line - 1];
  if (text === undefined || column < 1) return '';
  const gutter = String(line).padStart(5);
  const caret = ' '.repeat(column - 1) + '^'.repeat(Math.max(1, Math.min(length, text.length - column + 1)));
  return `\n${gutter} | ${text}\n${' '.repeat(gutter.length)} | ${caret}`;
}

function compileErrorMessage(name: string, source: string, errors: readonly WgslMessage[], scopeError: GPUError | null): string {
  const lines = errors.map((m) => `  ${m.line}:${m.column} error: ${m.text}${pointAt(source, m.line, m.column, m.length)}`);
  if (lines.length === 0 && scopeError) lines.push(`  ${scopeError.message}`);
  return `WGSL shader ${name} does not compile (${errors.length || 1} error${errors.length > 1 ? 's' : ''}):\n${lines.join('\n')}`;
}

/** The compute pipelines of one device, by WGSL text and entry point. */
export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private hitCount = 0;
  private compileCount = 0;

  constructor(readonly ctx: GpuContext) {}

  /** Requests answered from the cache. */
  get hits(): number { return this.hitCount; }
  /** Shaders compiled (requests that missed the cache), failures included. */
  get compiles(): number { return this.compileCount; }
  /** Pipelines held (or being made). */
  get size(): number { return this.pipelines.size; }

  /**
   * The compute pipeline of `code`'s `entryPoint` with layout 'auto', compiled on first request; later
   * requests for the same text and entry point return the same pipeline (a request made while the
   * first is compiling waits for it). Failures are not cached.
   * Follows WebGPU § Shader Module Compilation Information and § Compute Pipeline Creation
   * (default pipeline layout).
   * @param label names the shader in errors and in the device's own messages
   * @throws WgslCompileError listing every error as line:column with the offending source line; the
   *   error's `source` is the whole shader
   * @throws GpuPipelineError with the device's message when the pipeline cannot be made (a missing
   *   entry point, a workgroup over the device's limits)
   * @throws GpuDeviceLostError when the device is lost
   */
  get(code: string, entryPoint = 'main', label?: string): Promise<GPUComputePipeline> {
    const key = `${entryPoint}\n${code}`;
    const cached = this.pipelines.get(key);
    if (cached) {
      this.hitCount++;
      return cached;
    }
    this.compileCount++;
    const made = compilePipeline(this.ctx, code, entryPoint, label);
    this.pipelines.set(key, made);
    made.catch(() => { if (this.pipelines.get(key) === made) this.pipelines.delete(key); });
    return made;
  }

  /** Forgets every pipeline (they stay valid for whoever holds them). */
  clear(): void {
    this.pipelines.clear();
  }
}

async function compilePipeline(ctx: GpuContext, code: string, entryPoint: string, label: string | undefined): Promise<GPUComputePipeline> {
  const name = label ? `'${label}'` : `(entry point ${entryPoint})`;
  const operation = `compiling WGSL shader ${name}`;
  const { device } = ctx;
  const { value: module, error: moduleError } = await withErrorScope(ctx, operation, () => device.createShaderModule({ label, code }));
  const info = await module.getCompilationInfo();
  ctx.assertAlive(operation);
  const messages: WgslMessage[] = info.messages.map((m) => ({ type: m.type, line: m.lineNum, column: m.linePos, length: m.length, text: m.message }));
  const errors = messages.filter((m) => m.type === 'error');
  if (errors.length > 0 || moduleError) throw new WgslCompileError(compileErrorMessage(name, code, errors, moduleError), code, messages);

  const { value: pipeline, error } = await withErrorScope(ctx, `creating the compute pipeline of ${name}`, () =>
    device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint } }));
  if (error) throw new GpuPipelineError(`WGSL shader ${name} compiles, but its compute pipeline cannot be made: ${error.message}`, code);
  return pipeline;
}
