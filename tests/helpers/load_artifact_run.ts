/**
 * Run by tests/artifact.test.ts in a child process (whose engine may differ from the test's: Node 20
 * with --experimental-wasm-relaxed-simd): loads the SGEMM artifact at argv[2] with the runtime alone,
 * runs it on the test's matmul inputs of the sizes in argv[3] (JSON), and prints one JSON line:
 * { binary, fma, C } (the binary the loader took, the kernel's fma, the output's elements).
 */
import { loadArtifact, type LoadedWasmKernel } from '../../runtime/index.js';
import { matmul } from './pipelines.js';

const [path, sizes] = process.argv.slice(2) as [string, string];
const { M, N, K } = JSON.parse(sizes) as { M: number; N: number; K: number };
const kernel = await loadArtifact(path) as LoadedWasmKernel;
const C = kernel(matmul(M, N, K).inputs(1)).C!;
process.stdout.write(`${JSON.stringify({ binary: kernel.binary.file, fma: kernel.kernel.signature.fma, C: Array.from(C.data) })}\n`);
