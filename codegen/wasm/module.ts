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
import {
  ABORT_IMPORT, IMPORT_MODULE, KERNEL_ENTRY, MATH_IMPORT_MODULE, MAX_PAGES, MEMORY_IMPORT, PARALLEL_FOR_IMPORT, SHARED_MAX_PAGES,
  type WasmFeature,
} from '../../runtime/abi.js';

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
  /** The WebAssembly features the binary needs (relaxed-simd only when it uses a relaxed instruction). */
  readonly features: readonly WasmFeature[];
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
   * Import a shared memory even when the kernel has no parallel loop (default: only when it has
   * one), so that it can run over one memory together with threaded kernels (a model's arena).
   */
  readonly sharedMemory?: boolean;
  /**
   * Call each outermost loop's body as a function on chunks of its iterations (default false), so
   * that a kernel run once (a model's first inference) runs most of its iterations in the engine's
   * optimizing tier rather than its baseline one (codegen/wasm/function_emitter.ts, outline).
   */
  readonly chunked?: boolean;
}

export type FmaOption = 'auto' | 'relaxed' | 'none';

/** Features every module has; threads and relaxed-simd are added when used. */
const BASE_FEATURES: readonly WasmFeature[] = ['simd128', 'nontrapping-fptoint', 'sign-ext', 'bulk-memory', 'mutable-globals'];

/**
 * Generates a kernel module with the imports and exports of runtime/abi.ts.
 * @param f a lowered function (lower/lower.ts)
 * @returns the module's bytes, its calling convention, its text and the features it needs
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
    m.setMemory(1, shared ? SHARED_MAX_PAGES : MAX_PAGES, null, [], shared, false, MEMORY_IMPORT);
    m.addMemoryImport(MEMORY_IMPORT, IMPORT_MODULE, MEMORY_IMPORT, shared);
    m.addFunctionImport(ABORT_IMPORT, IMPORT_MODULE, ABORT_IMPORT, binaryen.i32, binaryen.none);
    if (threads) m.addFunctionImport(PARALLEL_FOR_IMPORT, IMPORT_MODULE, PARALLEL_FOR_IMPORT, binaryen.createType([binaryen.i32, binaryen.i32, binaryen.i32, binaryen.i32, binaryen.i32]), binaryen.none);
    const checking = typeof process !== 'undefined' && process.env?.TESSERA_CHECK_WASM_TREE;
    const emitter = new FunctionEmitter(checking ? checkedModule(m) : m, f, newModuleContext(threads, relaxed, options.chunked ?? false));
    const out = emitter.emit(KERNEL_ENTRY);
    for (const h of out.helpers) addHelper(m, h);
    for (const fn of out.mathImports) {
      const params = binaryen.createType(fn === 'pow' || fn === 'atan2' ? [binaryen.f64, binaryen.f64] : [binaryen.f64]);
      m.addFunctionImport(`Math.${fn}`, MATH_IMPORT_MODULE, fn, params, binaryen.f64);
    }
    m.addFunctionExport(KERNEL_ENTRY, KERNEL_ENTRY);
    if (!m.validate()) {
      throw new CodegenError('internal', `binaryen rejected the module generated for ${f.name} (a compiler bug):\n${m.emitText().slice(0, 20000)}`);
    }
    binaryen.setOptimizeLevel(options.optimizeLevel ?? 3);
    binaryen.setShrinkLevel(0);
    if ((options.optimizeLevel ?? 3) > 0) m.optimize();
    const usesRelaxed = out.madds > 0;
    const signature: KernelSignature = {
      ...kernelSignature(f, out.messages, [...out.mathImports]), tasks: out.tasks, fma: usesRelaxed ? 'relaxed' : 'none',
      ...(shared && !threads ? { sharedMemory: true } : {}),
    };
    const features: WasmFeature[] = [...BASE_FEATURES, ...(shared ? ['threads' as const] : []), ...(usesRelaxed ? ['relaxed-simd' as const] : [])];
    return { binary: m.emitBinary(), signature, text: m.emitText(), features };
  } finally {
    m.dispose();
  }
}
