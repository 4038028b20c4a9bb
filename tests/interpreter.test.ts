import test from 'ava';
import * as ir from '../ir/expr.js';
import {
  type Stmt, type LoweredFunc, type BufferArg, forLoop, store, allocate, block, letStmt, assertStmt, ifThen, provide, produce,
} from '../ir/stmt.js';
import { interpret, interpretWithTensors } from '../codegen/interpreter.js';

const { Var, Buffer, varRef, constant, i32, load, ramp, broadcast, add, sub, mul, div, mod, lt, select, cast } = ir;

function func(name: string, body: Stmt, params: ir.Var[], args: BufferArg[]): LoweredFunc {
  return { name, body, params, args };
}
const arg = (buffer: ir.Buffer, role: 'input' | 'output', ...shape: ir.Expr[]): BufferArg => ({ buffer, role, shape });

test('a serial loop stores i*2', (t) => {
  const n = new Var('n'), i = new Var('i'), out = new Buffer('out', 'i32');
  const body = forLoop(i, i32(0), varRef(n), 'serial', store(out, varRef(i), mul(varRef(i), i32(2))));
  const f = func('double', body, [n], [arg(out, 'output', varRef(n))]);
  const data = new Int32Array(10);
  interpret(f, new Map([[n, 10]]), new Map([[out, data]]));
  t.deepEqual(Array.from(data), Array.from({ length: 10 }, (_, k) => k * 2));
});

test('every loop kind runs all iterations from min to min + extent - 1', (t) => {
  for (const kind of ['serial', 'parallel', 'vectorized', 'unrolled', 'gpu_block', 'gpu_thread'] as const) {
    const i = new Var('i'), out = new Buffer('out', 'i32');
    const body = forLoop(i, i32(3), i32(4), kind, store(out, sub(varRef(i), i32(3)), varRef(i)));
    const data = new Int32Array(4);
    interpret(func('k', body, [], [arg(out, 'output', i32(4))]), new Map(), new Map([[out, data]]));
    t.deepEqual(Array.from(data), [3, 4, 5, 6], kind);
  }
});

test('a vectorized store with ramp indices writes all lanes', (t) => {
  const xo = new Var('xo'), input = new Buffer('in', 'f32'), out = new Buffer('out', 'f32');
  const base = mul(varRef(xo), i32(4));
  const idx = ramp(base, i32(1), 4);
  const value = mul(load(input, idx), broadcast(constant(0.1, 'f32'), 4));
  const body = forLoop(xo, i32(0), i32(3), 'serial', store(out, idx, value));
  const inData = Float32Array.from({ length: 12 }, (_, k) => k + 0.5);
  const outData = new Float32Array(12);
  interpret(func('scale', body, [], [arg(input, 'input', i32(12)), arg(out, 'output', i32(12))]), new Map(), new Map([[input, inData], [out, outData]]));
  t.deepEqual(Array.from(outData), Array.from(inData, (x) => Math.fround(x * Math.fround(0.1))));
});

test('a strided ramp and a select with a scalar condition broadcast over vector values', (t) => {
  const out = new Buffer('out', 'i32'), flag = new Var('flag');
  const idx = ramp(i32(1), i32(2), 4);
  const value = select(lt(varRef(flag), i32(1)), ramp(i32(10), i32(1), 4), broadcast(i32(-1), 4));
  const f = func('strided', store(out, idx, value), [flag], [arg(out, 'output', i32(8))]);
  const data = new Int32Array(8);
  interpret(f, new Map([[flag, 0]]), new Map([[out, data]]));
  t.deepEqual(Array.from(data), [0, 10, 0, 11, 0, 12, 0, 13]);
  interpret(f, new Map([[flag, 5]]), new Map([[out, data]]));
  t.deepEqual(Array.from(data), [0, -1, 0, -1, 0, -1, 0, -1]);
});

test('allocate gives a zero-filled scratch buffer shared by two loops', (t) => {
  const i = new Var('i'), j = new Var('j');
  const input = new Buffer('in', 'f32'), tmp = new Buffer('tmp', 'f32'), out = new Buffer('out', 'f32');
  const body = allocate(tmp, i32(9), 'stack', block([
    forLoop(i, i32(0), i32(8), 'serial', store(tmp, varRef(i), mul(load(input, varRef(i)), constant(2, 'f32')))),
    forLoop(j, i32(0), i32(8), 'serial', store(out, varRef(j), add(load(tmp, varRef(j)), load(tmp, add(varRef(j), i32(1)))))),
  ]));
  const inData = Float32Array.from([1.5, -2, 3.25, 4, 0.1, 6, 7, 8]);
  const outData = new Float32Array(8);
  interpret(func('two_loops', body, [], [arg(input, 'input', i32(8)), arg(out, 'output', i32(8))]), new Map(), new Map([[input, inData], [out, outData]]));
  const tmpData = [...Array.from(inData, (x) => Math.fround(x * 2)), 0];
  t.deepEqual(Array.from(outData), Array.from({ length: 8 }, (_, k) => Math.fround(tmpData[k]! + tmpData[k + 1]!)));
});

test('u16 arithmetic wraps around', (t) => {
  const i = new Var('i'), input = new Buffer('in', 'u16'), sum = new Buffer('sum', 'u16'), sq = new Buffer('sq', 'u16');
  const x = load(input, varRef(i));
  const body = forLoop(i, i32(0), i32(4), 'serial', block([
    store(sum, varRef(i), add(x, constant(40000, 'u16'))),
    store(sq, varRef(i), mul(x, x)),
  ]));
  const inData = Uint16Array.from([65535, 40000, 1, 300]);
  const sumData = new Uint16Array(4), sqData = new Uint16Array(4);
  const f = func('wrap', body, [], [arg(input, 'input', i32(4)), arg(sum, 'output', i32(4)), arg(sq, 'output', i32(4))]);
  interpret(f, new Map(), new Map([[input, inData], [sum, sumData], [sq, sqData]]));
  t.deepEqual(Array.from(sumData), Array.from(inData, (a) => (a + 40000) % 65536));
  t.deepEqual(Array.from(sqData), Array.from(inData, (a) => (a * a) % 65536));
});

test('integer division floors and remainder is Euclidean, also for negatives', (t) => {
  const i = new Var('i'), input = new Buffer('in', 'i32'), q = new Buffer('q', 'i32'), r = new Buffer('r', 'i32');
  const x = load(input, varRef(i));
  const body = forLoop(i, i32(0), i32(6), 'serial', block([
    store(q, varRef(i), div(x, i32(3))),
    store(r, varRef(i), mod(x, i32(3))),
  ]));
  const inData = Int32Array.from([-7, -6, -1, 0, 1, 7]);
  const qData = new Int32Array(6), rData = new Int32Array(6);
  const f = func('divmod', body, [], [arg(input, 'input', i32(6)), arg(q, 'output', i32(6)), arg(r, 'output', i32(6))]);
  interpret(f, new Map(), new Map([[input, inData], [q, qData], [r, rData]]));
  t.deepEqual(Array.from(qData), [-3, -2, -1, 0, 0, 2]);
  t.deepEqual(Array.from(rData), [2, 0, 2, 0, 1, 1]);
});

test('lets, letStmts, casts and ifs', (t) => {
  const i = new Var('i'), half = new Var('half', 'f32'), sq = new Var('sq'), out = new Buffer('out', 'f32');
  const value = ir.letIn(half, div(cast('f32', varRef(i)), constant(2, 'f32')), mul(varRef(half), varRef(half)));
  const body = forLoop(i, i32(0), i32(5), 'serial',
    letStmt(sq, mul(varRef(i), varRef(i)),
      ifThen(lt(varRef(sq), i32(9)), store(out, varRef(i), value), store(out, varRef(i), constant(-1, 'f32')))));
  const data = new Float32Array(5);
  interpretWithTensors(func('lets', body, [], [arg(out, 'output', i32(5))]), {}, { out: data });
  t.deepEqual(Array.from(data), [0, 0.25, 1, -1, -1]);
});

test('an out-of-bounds load throws a RangeError naming the buffer, the index and the size', (t) => {
  const i = new Var('i'), input = new Buffer('pixels', 'u8'), out = new Buffer('out', 'u8');
  const body = forLoop(i, i32(0), i32(4), 'serial', store(out, varRef(i), load(input, add(varRef(i), i32(1)))));
  const f = func('shift', body, [], [arg(input, 'input', i32(4)), arg(out, 'output', i32(4))]);
  const error = t.throws(() => interpret(f, new Map(), new Map([[input, new Uint8Array(4)], [out, new Uint8Array(4)]])), { instanceOf: RangeError });
  t.regex(error!.message, /load from pixels\[4\].*4 elements/);
});

test('an out-of-bounds lane of a vector store throws a RangeError', (t) => {
  const out = new Buffer('out', 'i32');
  const f = func('vs', store(out, ramp(i32(2), i32(1), 4), broadcast(i32(7), 4)), [], [arg(out, 'output', i32(4))]);
  const data = new Int32Array(4);
  const error = t.throws(() => interpret(f, new Map(), new Map([[out, data]])), { instanceOf: RangeError });
  t.regex(error!.message, /store to out\[4\]/);
});

test('a failing assert throws its message', (t) => {
  const n = new Var('n'), out = new Buffer('out', 'i32');
  const body = block([assertStmt(lt(varRef(n), i32(8)), 'n must be below 8'), store(out, i32(0), varRef(n))]);
  const f = func('checked', body, [n], [arg(out, 'output', i32(1))]);
  const data = new Int32Array(1);
  interpret(f, new Map([[n, 3]]), new Map([[out, data]]));
  t.is(data[0], 3);
  t.throws(() => interpret(f, new Map([[n, 9]]), new Map([[out, data]])), { message: 'n must be below 8' });
});

test('front-end nodes, unbound variables and bad arguments are errors', (t) => {
  const stage: ir.FuncRef = { name: 'blur', dtype: 'i32', ndim: 1 };
  const out = new Buffer('out', 'i32'), x = new Var('x');
  const outArg = arg(out, 'output', i32(2));
  t.throws(() => interpret(func('p', produce(stage, provide(stage, [i32(0)], i32(1))), [], [outArg]), new Map(), new Map([[out, new Int32Array(2)]])),
    { message: /provide of blur; lowering did not finish/ });
  t.throws(() => interpret(func('a', store(out, i32(0), ir.access(stage, [i32(0)])), [], [outArg]), new Map(), new Map([[out, new Int32Array(2)]])),
    { message: /access to blur; lowering did not finish/ });
  t.throws(() => interpret(func('u', store(out, i32(0), varRef(x)), [], [outArg]), new Map(), new Map([[out, new Int32Array(2)]])),
    { message: /variable x is not bound/ });
  t.throws(() => interpret(func('d', store(out, i32(0), i32(0)), [], [outArg]), new Map(), new Map([[out, new Float32Array(2)]])),
    { message: /out is i32 but the array passed is f32/ });
  t.throws(() => interpret(func('l', store(out, i32(0), i32(0)), [], [outArg]), new Map(), new Map([[out, new Int32Array(3)]])),
    { message: /out has shape \[2\] \(2 elements\) but the array passed has 3/ });
  t.throws(() => interpretWithTensors(func('m', store(out, i32(0), i32(0)), [x], [outArg]), {}, { out: new Int32Array(2) }),
    { message: /no value for size parameter x/ });
});
