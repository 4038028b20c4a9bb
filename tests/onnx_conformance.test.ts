/**
 * ONNX conformance: the node tests of ONNX 1.12 shipped by Debian's libonnx-testdata
 * (/usr/share/libonnx-testdata/data/node/TEST/model.onnx with input_N.pb and output_N.pb in each
 * test_data_set_N folder) for every test whose operators Tessera's library implements at the test's opset. Each
 * is compiled by compileOnnx's path (load, passes, kernels, one memory) and run on wasm-simd; outputs
 * match within ONNX's backend-test tolerance (rtol 1e-3, atol 1e-7) unless TOLERANCE says otherwise
 * and why. One ava test per operator logs its counts; a test of a supported operator that fails and
 * is not in tests/onnx_conformance_denylist.txt (name and reason per line) fails it. Nothing is
 * skipped silently: out-of-scope tests are counted by the operator that keeps them out.
 *
 * Inputs an operator needs at compile time (a Reshape's shape, a Slice's starts, a Resize's scales:
 * Tessera compiles static shapes) are graph inputs in these tests. When an operator refuses a computed
 * value for one (an OpError saying "input K (...) must be known at compile time"), that graph input is
 * bound to the test's value as a constant (TVM's freeze_params) and the test compiled again; its
 * count says so. No other input is ever bound.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { loadOnnx } from '../onnx/load.ts';
import { decodeTensor } from '../onnx/tensor.ts';
import { bindInputs } from '../graph/rewrite.ts';
import { compileGraph } from '../model/compile_onnx.ts';
import { TESSERA_OPS } from '../model/library.ts';
import type { ConstTensor, Graph } from '../graph/ir.ts';
import type { ModelTensor } from '../runtime/model_tensors.ts';
import { f32ToF16 } from '../runtime/f16.ts';
import { closeness } from './helpers/ort_model.ts';
import { OpError } from '../ops/op.ts';

const ROOT = '/usr/share/libonnx-testdata/data/node';
const DENYLIST = new URL('./onnx_conformance_denylist.txt', import.meta.url);

/** Per-op tolerance where ONNX's default does not fit, with the reason. */
const TOLERANCE: Record<string, { rtol: number; atol: number; why: string }> = {};

interface Case {
  readonly name: string;
  readonly dir: string;
  readonly graph: Graph;
  /** The operators of the graph; undefined when every one is supported. */
  readonly unsupported?: string;
}

function readDenylist(): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of readFileSync(DENYLIST, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, ...why] = line.split(/\s+/);
    if (why.length === 0) throw new Error(`${DENYLIST.pathname}: ${name} has no reason`);
    m.set(name!, why.join(' '));
  }
  return m;
}

/** What kept a test's model from loading, in a few words. */
function loadFailure(message: string): string {
  if (/not a dense tensor/.test(message)) return 'sequence, map or optional values';
  const type = /element type (\w+)/.exec(message);
  if (type) return `${type[1]} tensors`;
  if (/subgraph/.test(message)) return 'control flow (If, Loop, Scan)';
  if (/imports no ai\.onnx opset/.test(message)) return 'no ai.onnx opset import (training or ml domains only)';
  return message.slice(0, 80);
}

function loadCases(): Case[] {
  if (!existsSync(ROOT)) return [];
  return readdirSync(ROOT).sort().flatMap((name): Case[] => {
    const dir = join(ROOT, name);
    if (!existsSync(join(dir, 'model.onnx'))) return [];
    let graph: Graph;
    try {
      graph = loadOnnx(readFileSync(join(dir, 'model.onnx')));
    } catch (e) {
      return [{ name, dir, graph: { name, opsets: new Map(), inputs: [], outputs: [], initializers: new Map(), nodes: [] }, unsupported: `not loadable: ${loadFailure((e as Error).message)}` }];
    }
    const missing = graph.nodes.find((n) => !TESSERA_OPS.lookup(n.domain, n.op, graph.opsets.get(n.domain) ?? 0));
    return [{ name, dir, graph, unsupported: missing ? `${missing.domain ? `${missing.domain}.` : ''}${missing.op}` : undefined }];
  });
}

const { onnx } = onnxProto;
const readTensor = (path: string): ConstTensor => decodeTensor(onnx.TensorProto.decode(readFileSync(path)), path);

/** A decoded tensor as a feed: f16 back to bits, the rest as they are. */
function feedOf(t: ConstTensor): ModelTensor {
  return { data: t.dtype === 'f16' ? f32ToF16(t.data as Float32Array) as Uint16Array : t.data, shape: t.shape, dtype: t.dtype };
}

/** The graph input an OpError says its node needs at compile time, if that is what it says. */
function compileTimeInput(g: Graph, e: unknown): string | undefined {
  if (!(e instanceof OpError)) return undefined;
  const m = /input (\d+) \([^)]*\) must be known at compile time/.exec(e.reason);
  const node = g.nodes.find((n) => n.name === e.node);
  const tensor = m && node ? node.inputs[Number(m[1])] : undefined;
  return tensor && g.inputs.some((i) => i.name === tensor) ? tensor : undefined;
}

interface Outcome { readonly ok: boolean; readonly frozen: boolean; readonly message?: string }

async function runCase(c: Case): Promise<Outcome> {
  const sets = readdirSync(c.dir).filter((d) => d.startsWith('test_data_set_')).sort();
  if (sets.length === 0) return { ok: false, frozen: false, message: 'no test_data_set_* folder' };
  const failures: string[] = [];
  let frozen = false;
  for (const set of sets) {
    const dir = join(c.dir, set);
    const files = readdirSync(dir);
    const inputs = files.filter((f) => /^input_\d+\.pb$/.test(f)).sort((a, b) => Number(a.slice(6, -3)) - Number(b.slice(6, -3))).map((f) => readTensor(join(dir, f)));
    const outputs = files.filter((f) => /^output_\d+\.pb$/.test(f)).sort((a, b) => Number(a.slice(7, -3)) - Number(b.slice(7, -3))).map((f) => readTensor(join(dir, f)));
    const byName = new Map(c.graph.inputs.map((decl, i) => [decl.name, inputs[i]!] as const));
    let graph = c.graph;
    let model;
    for (;;) {
      try {
        model = await compileGraph(graph);
        break;
      } catch (e) {
        const needed = compileTimeInput(graph, e);
        if (!needed || !byName.has(needed)) return { ok: false, frozen, message: `${(e as Error).name}: ${(e as Error).message}` };
        graph = bindInputs(graph, new Map([[needed, byName.get(needed)!]]));
        frozen = true;
      }
    }
    try {
      const feeds = Object.fromEntries(graph.inputs.map((i) => [i.name, feedOf(byName.get(i.name)!)]));
      const got = await model.run(feeds);
      const op = c.graph.nodes[0]?.op ?? '';
      const tol = TOLERANCE[op] ?? { rtol: 1e-3, atol: 1e-7 };
      c.graph.outputs.forEach((o, k) => {
        const want = outputs[k]!, g = got[o.name]!;
        if (g.dtype !== want.dtype) { failures.push(`${set} ${o.name}: dtype ${g.dtype}, expected ${want.dtype}`); return; }
        if (g.shape.join(',') !== want.shape.join(',')) { failures.push(`${set} ${o.name}: shape [${g.shape}], expected [${want.shape}]`); return; }
        const close = closeness(g, feedOf(want), tol.rtol, tol.atol);
        if (!close.ok) failures.push(`${set} ${o.name}: element ${close.worst?.index} is ${close.worst?.got}, expected ${close.worst?.want} (max |error| ${close.maxAbs})`);
      });
    } catch (e) {
      failures.push(`${set}: ${(e as Error).name}: ${(e as Error).message}`);
    } finally {
      await model.dispose();
    }
  }
  return { ok: failures.length === 0, frozen, message: failures.join('; ') || undefined };
}

const cases = loadCases();
const denylist = readDenylist();
const inScope = cases.filter((c) => !c.unsupported);
const byOp = new Map<string, Case[]>();
for (const c of inScope) {
  const op = c.graph.nodes[0]?.op ?? '(no nodes)';
  byOp.set(op, [...(byOp.get(op) ?? []), c]);
}

test('the node tests are installed and the deny-list names only real tests', (t) => {
  t.true(cases.length >= 900, `expected the ${ROOT} node tests (Debian's libonnx-testdata); found ${cases.length}`);
  for (const name of denylist.keys()) t.true(cases.some((c) => c.name === name), `deny-list entry ${name} is no node test`);
  const out = new Map<string, number>();
  for (const c of cases) if (c.unsupported) out.set(c.unsupported, (out.get(c.unsupported) ?? 0) + 1);
  t.log(`${cases.length} node tests: ${inScope.length} of supported operators; the others need ${[...out].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} (${n})`).join(', ')}`);
});

for (const [op, list] of [...byOp].sort(([a], [b]) => (a < b ? -1 : 1))) {
  test(`conformance: ${op}`, async (t) => {
    let passed = 0, frozen = 0, denied = 0, deniedPassing = 0;
    const failed: string[] = [];
    for (const c of list) {
      const o = await runCase(c);
      const why = denylist.get(c.name);
      if (why !== undefined) {
        denied++;
        if (o.ok) { deniedPassing++; t.log(`${c.name} passes but is in the deny-list (${why}): remove it from the list`); }
        continue;
      }
      if (o.ok) { passed++; if (o.frozen) frozen++; } else failed.push(`${c.name}: ${o.message}`);
    }
    t.log(`${op}: ${passed}/${list.length} passed${frozen ? ` (${frozen} with compile-time inputs bound as constants)` : ''}${denied ? `, ${denied} denied${deniedPassing ? ` (${deniedPassing} of them pass)` : ''}` : ''}${failed.length ? `, ${failed.length} failed` : ''}`);
    for (const f of failed) t.log(`FAILED ${f}`);
    t.deepEqual(failed, []);
  });
}
