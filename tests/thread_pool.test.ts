/**
 * The runtime thread pool runs a module's exported task over shared memory on every participant:
 * every iteration runs exactly once, static chunks reach every thread, errors in workers surface on
 * the caller, and a non-shared memory is refused.
 */
import test from 'ava';
import binaryen from 'binaryen';
import { ThreadPool, ThreadPoolError } from '../runtime/thread_pool.js';

const N = 4096;
const SP_OFFSET = 4 * N;

/**
 * task(sp, closure, start, end): for i in [start, end): out[i] = 2*i (i32 at closure), who[i] = sp; traps
 * if i == trapAt. With `accumulate`, out[i] += 2*i + 1, so an iteration run twice shows.
 */
function taskModule(trapAt = -1, accumulate = false): Uint8Array {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.Atomics | binaryen.Features.BulkMemory);
  m.setMemory(1, 256, null, [], true, false, 'memory');
  m.addMemoryImport('memory', 'env', 'memory', true);
  const i32 = binaryen.i32;
  const get = (i: number) => m.local.get(i, i32);
  const [sp, closure, start, end, i] = [0, 1, 2, 3, 4];
  const addr = (base: number) => m.i32.add(get(closure), m.i32.add(m.i32.const(base), m.i32.shl(get(i), m.i32.const(2))));
  const body = m.block(null, [
    m.local.set(i, get(start)),
    m.block('exit', [
      m.br('exit', m.i32.ge_s(get(i), get(end))),
      m.loop('next', m.block(null, [
        m.if(m.i32.eq(get(i), m.i32.const(trapAt)), m.unreachable()),
        m.i32.store(0, 4, addr(0), accumulate
          ? m.i32.add(m.i32.load(0, 4, addr(0)), m.i32.add(m.i32.mul(get(i), m.i32.const(2)), m.i32.const(1)))
          : m.i32.mul(get(i), m.i32.const(2))),
        m.i32.store(0, 4, addr(SP_OFFSET), get(sp)),
        m.local.set(i, m.i32.add(get(i), m.i32.const(1))),
        m.br('next', m.i32.lt_s(get(i), get(end))),
      ])),
    ]),
  ]);
  m.addFunction('task', binaryen.createType([i32, i32, i32, i32]), binaryen.none, [i32], body);
  m.addFunctionExport('task', 'task');
  if (!m.validate()) throw new Error('invalid test module');
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

async function setup(threads: number, trapAt = -1, accumulate = false) {
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 256, shared: true });
  const module = new WebAssembly.Module(taskModule(trapAt, accumulate) as BufferSource);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const pool = await ThreadPool.create(threads);
  const slot = await pool.load(module, memory, { tasks: ['task'] });
  const task = instance.exports.task as (sp: number, c: number, s: number, e: number) => void;
  return { memory, pool, slot, task };
}

test('every iteration runs exactly once, with dynamic chunks', async (t) => {
  const { memory, pool, slot, task } = await setup(2);
  try {
    const closure = 1024;
    for (const [start, end, chunk] of [[0, N, undefined], [5, 1000, 7], [0, 1, 1], [100, 100, undefined]] as const) {
      const out = new Int32Array(memory.buffer, closure, N);
      out.fill(-1);
      pool.parallelFor({ slot, task: 0, closure, start, end, chunk, spBase: 100, spStride: 1000 }, task);
      for (let i = 0; i < N; i++) t.is(out[i], i >= start && i < end ? 2 * i : -1, `start ${start} end ${end}: element ${i}`);
    }
  } finally {
    await pool.close();
  }
});

test('static chunks give every participant its share, each with its own scratch stack', async (t) => {
  const { memory, pool, slot, task } = await setup(3);
  try {
    const closure = 1024;
    pool.parallelFor({ slot, task: 0, closure, start: 0, end: 300, chunk: 10, spBase: 100, spStride: 1000, static: true }, task);
    const who = new Int32Array(memory.buffer, closure + SP_OFFSET, 300);
    for (let i = 0; i < 300; i++) t.is(who[i], 100 + (Math.floor(i / 10) % 3) * 1000, `element ${i}`);
    t.is(pool.threads, 3);
  } finally {
    await pool.close();
  }
});

test('back-to-back jobs, static and dynamic, small and large, with gaps past the workers\' spin: each iteration exactly once', async (t) => {
  // Workers that wake late skip a dynamic job the caller closed, and spin or sleep between jobs: every
  // way a worker can meet a job (awake, asleep, after its close, during the next one's publication).
  const { memory, pool, slot, task } = await setup(3, -1, true);
  try {
    const closure = 1024;
    const out = new Int32Array(memory.buffer, closure, N);
    const expected = new Int32Array(N);
    let seed = 12345;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let job = 0; job < 3000; job++) {
      const start = random(N), end = start + 1 + random(Math.min(N - start, job % 10 === 0 ? N : 64));
      const isStatic = random(4) === 0, chunk = random(3) === 0 ? 1 + random(16) : undefined;
      pool.parallelFor({ slot, task: 0, closure, start, end, chunk, spBase: 100, spStride: 1000, static: isStatic }, task);
      for (let i = start; i < end; i++) expected[i]! += 2 * i + 1;
      if (job % 500 === 499) await new Promise((r) => setTimeout(r, 5));
    }
    let wrong = 0;
    for (let i = 0; i < N; i++) if (out[i] !== expected[i]) wrong++;
    t.is(wrong, 0, 'elements whose iterations ran other than once');
  } finally {
    await pool.close();
  }
});

test('a trap in a worker is raised on the caller, and the pool keeps working', async (t) => {
  const { memory, pool, slot, task } = await setup(2, 150);
  try {
    // Static chunks of 100: iteration 150 belongs to participant 1, a worker.
    t.throws(() => pool.parallelFor({ slot, task: 0, closure: 1024, start: 0, end: 200, chunk: 100, spBase: 0, spStride: 0, static: true }, task), {
      instanceOf: ThreadPoolError, message: /a thread failed: .*unreachable/,
    });
    const out = new Int32Array(memory.buffer, 1024, 100);
    out.fill(0);
    pool.parallelFor({ slot, task: 0, closure: 1024, start: 0, end: 100, spBase: 0, spStride: 0 }, task);
    t.deepEqual(Array.from(out.slice(0, 3)), [0, 2, 4]);
  } finally {
    await pool.close();
  }
});

test('a memory that is not shared is refused', async (t) => {
  const pool = await ThreadPool.create(2);
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(taskModule() as BufferSource);
    await t.throwsAsync(pool.load(module, memory, { tasks: ['task'] }), { instanceOf: ThreadPoolError, message: /the memory must be shared/ });
  } finally {
    await pool.close();
  }
});
