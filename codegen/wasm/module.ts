/**
 * Builds the WebAssembly module of a lowered function through binaryen: features SIMD128,
 * non-trapping float-to-int and sign extension (relaxed SIMD with fma 'relaxed'); memory imported from the runtime (env.memory);
 * env.abort(messageIndex) for failed asserts; host Math for transcendental functions. Every module is
 * validated by binaryen, then optimized with its passes.
 */
import binaryen from 'binaryen';
import { type LoweredFunc, type Stmt, walkStmt } from '../../ir/stmt.js';
import type { KernelSignature } from '../../runtime/signature.js';
import { kernelSignature } from '../signature.js';
import { FunctionEmitter, CodegenError, newModuleContext } from './function_emitter.js';
import { addHelper } from './scalar_ops.js';
import { checkedModule } from './tree_check.js';
import { relaxedSimdSupported } from '../../runtime/wasm_features.js';

/** Largest shared memory a threaded kernel declares (1 GiB): shared memories reserve their maximum. */
export const SHARED_MEMORY_MAX_PAGES = 16384;

function hasParallelLoop(s: Stmt): boolean {
  let found = false;
  walkStmt(s, (x) => { if (x.kind === 'for' && x.forKind === 'parallel') found = true; });
  return found;
}

export interface WasmArtifact {
  readonly binary: Uint8Array;
  readonly signature: KernelSignature;
  /** binaryen's text form of the optimized module. */
  readonly text: string;
}

export interface WasmOptions {
  /** binaryen optimization level 0-4 (default 3). */
  readonly optimizeLevel?: number;
  /**
   * Outline parallel loops into tasks for the runtime's thread pool (default true). The module then
   * imports a shared memory and env.parallel_for; without a pool the tasks run on the caller.
   */
  readonly threads?: boolean;
  /**
   * f32 vector a * b + c: 'relaxed' emits f32x4.relaxed_madd (WebAssembly relaxed SIMD: fused or
   * not, as the engine chooses; results may differ from mul + add in the last bit), 'none' a
   * multiply then an add, 'auto' (default) 'relaxed' when the engine compiling has relaxed SIMD.
   * A module built with 'relaxed' (an AOT artifact, say) runs only on engines with relaxed SIMD;
   * the runtime refuses to load it elsewhere (KernelError). `signature.fma` records what was used.
   */
  readonly fma?: FmaOption;
  /**
   * Import a shared memory even without parallel loops (default false), so that the kernel can be
   * instantiated over the one shared memory of a threaded model with the other kernels.
   */
  readonly sharedMemory?: boolean;
}

export type FmaOption = 'auto' | 'relaxed' | 'none';

/**
 * @param f a lowered function (lower/lower.ts)
 * @returns the module's bytes, its calling convention and its text
 * @throws CodegenError when the function uses something this backend does not implement, or when
 *   binaryen's validation fails (a compiler bug: the message includes the module text)
 */
export function compileToWasm(f: LoweredFunc, options: WasmOptions = {}): WasmArtifact {
  const m = new binaryen.Module();
  try {
    const threads = (options.threads ?? true) && hasParallelLoop(f.body);
    const shared = threads || options.sharedMemory === true;
    const fma = options.fma ?? 'auto';
    const relaxed = fma === 'relaxed' || (fma === 'auto' && relaxedSimdSupported());
    m.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128 | binaryen.Features.NontrappingFPToInt
      | binaryen.Features.SignExt | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals | (shared ? binaryen.Features.Atomics : 0)
      | (relaxed ? binaryen.Features.RelaxedSIMD : 0));
    m.setMemory(1, shared ? SHARED_MEMORY_MAX_PAGES : 65536, null, [], shared, false, 'memory');
    m.addMemoryImport('memory', 'env', 'memory', shared);
    m.addFunctionImport('abort', 'env', 'abort', binaryen.i32, binaryen.none);
    if (threads) m.addFunctionImport('parallel_for', 'env', 'parallel_for', binaryen.createType([binaryen.i32, binaryen.i32, binaryen.i32, binaryen.i32, binaryen.i32]), binaryen.none);
    const checking = typeof process !== 'undefined' && process.env?.TESSERA_CHECK_WASM_TREE;
    const emitter = new FunctionEmitter(checking ? checkedModule(m) : m, f, newModuleContext(threads, relaxed));
    const out = emitter.emit('main');
    for (const h of out.helpers) addHelper(m, h);
    for (const fn of out.mathImports) {
      const params = binaryen.createType(fn === 'pow' || fn === 'atan2' ? [binaryen.f64, binaryen.f64] : [binaryen.f64]);
      m.addFunctionImport(`Math.${fn}`, 'Math', fn, params, binaryen.f64);
    }
    m.addFunctionExport('main', 'main');
    if (!m.validate()) {
      throw new CodegenError(`binaryen rejected the module generated for ${f.name} (a compiler bug):\n${m.emitText().slice(0, 20000)}`);
    }
    binaryen.setOptimizeLevel(options.optimizeLevel ?? 3);
    binaryen.setShrinkLevel(0);
    if ((options.optimizeLevel ?? 3) > 0) m.optimize();
    const signature = { ...kernelSignature(f, out.messages, [...out.mathImports]), tasks: out.tasks, fma: out.madds > 0 ? 'relaxed' as const : 'none' as const };
    return { binary: m.emitBinary(), signature, text: m.emitText() };
  } finally {
    m.dispose();
  }
}
