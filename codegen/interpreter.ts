/**
 * A reference execution of lowered IR: walks the statement tree and evaluates every expression with the
 * scalar semantics of ir/ops.ts. Written to be obviously right rather than fast; it is the oracle the
 * compiled backends are tested against and a backend for debugging lowering.
 *
 * Scalars are JS numbers and vectors are arrays of `lanes` numbers; vector operations act lane by lane.
 * Every loop kind (parallel, vectorized, unrolled, GPU) runs as a serial loop, and every buffer access is
 * bounds-checked.
 */
import { type TypedArray, arrayTypeOf, dtypeOfArray, wrap } from '../ir/dtype.js';
import type { Buffer, Expr, Var } from '../ir/expr.js';
import type { LoweredFunc, Stmt } from '../ir/stmt.js';
import { evalBinary, evalCall, evalCast, evalCmp, evalReinterpret } from '../ir/ops.js';
import { printExpr } from '../ir/printer.js';

/** The value of an expression: a number for a scalar, the lanes for a vector. */
export type Value = number | readonly number[];

const lanesOf = (v: Value): number => (typeof v === 'number' ? 1 : v.length);
const laneOf = (v: Value, i: number): number => (typeof v === 'number' ? v : v[i]!);

/** Applies `f` lane by lane; scalar operands are repeated across the lanes (a select's scalar condition). */
function lanewise(lanes: number, operands: readonly Value[], f: (...xs: number[]) => number): Value {
  const at = (i: number) => f(...operands.map((v) => laneOf(v, i)));
  return lanes === 1 ? at(0) : Array.from({ length: lanes }, (_, i) => at(i));
}

class Machine {
  private readonly vars = new Map<Var, Value>();
  private readonly memory = new Map<Buffer, TypedArray>();

  constructor(private readonly funcName: string) {}

  private fail(message: string): Error {
    return new Error(`interpret(${this.funcName}): ${message}`);
  }

  /** Binds `v` for the rest of the run (a size parameter). */
  defineVar(v: Var, value: number): void { this.vars.set(v, value); }
  /** Binds `buffer` for the rest of the run (an argument). */
  defineBuffer(buffer: Buffer, data: TypedArray): void { this.memory.set(buffer, data); }

  /** Binds `v` to `value` while `body` runs, then restores what it was bound to before. */
  withVar<T>(v: Var, value: Value, body: () => T): T {
    const had = this.vars.has(v), old = this.vars.get(v);
    this.vars.set(v, value);
    try {
      return body();
    } finally {
      if (had) this.vars.set(v, old!);
      else this.vars.delete(v);
    }
  }

  withBuffer<T>(buffer: Buffer, data: TypedArray, body: () => T): T {
    const had = this.memory.has(buffer), old = this.memory.get(buffer);
    this.memory.set(buffer, data);
    try {
      return body();
    } finally {
      if (had) this.memory.set(buffer, old!);
      else this.memory.delete(buffer);
    }
  }

  run(s: Stmt): void {
    switch (s.kind) {
      case 'for': {
        const min = this.scalar(s.min, `the min of loop ${s.v.name}`);
        const end = min + this.scalar(s.extent, `the extent of loop ${s.v.name}`);
        this.withVar(s.v, min, () => {
          for (let i = min; i < end; i++) {
            this.vars.set(s.v, i);
            this.run(s.body);
          }
        });
        return;
      }
      case 'store': {
        const data = this.buffer(s.buffer);
        const index = this.eval(s.index), value = this.eval(s.value);
        for (let lane = 0; lane < lanesOf(index); lane++) {
          const i = laneOf(index, lane);
          this.checkIndex('store to', s.buffer, data, i);
          data[i] = laneOf(value, lane);
        }
        return;
      }
      case 'allocate': {
        const size = this.scalar(s.size, `the size of ${s.buffer.name}`);
        if (!Number.isInteger(size) || size < 0) throw this.fail(`allocate ${s.buffer.name}: size ${size} is not a non-negative integer`);
        const ArrayType = arrayTypeOf(s.buffer.dtype);
        this.withBuffer(s.buffer, new ArrayType(size), () => this.run(s.body));
        return;
      }
      case 'if': {
        if (this.scalar(s.cond, 'an if condition')) this.run(s.then);
        else if (s.else) this.run(s.else);
        return;
      }
      case 'block':
        for (const t of s.stmts) this.run(t);
        return;
      case 'letStmt':
        this.withVar(s.v, this.eval(s.value), () => this.run(s.body));
        return;
      case 'assert': {
        const cond = this.eval(s.cond);
        for (let lane = 0; lane < lanesOf(cond); lane++) if (!laneOf(cond, lane)) throw new Error(s.message);
        return;
      }
      case 'produce':
        this.run(s.body);
        return;
      case 'barrier':
        // Thread loops run one after another here, so every write is already visible.
        return;
      case 'provide': case 'realize':
        throw this.fail(`met a ${s.kind} of ${s.func.name}; lowering did not finish (storage flattening removes provide and realize)`);
    }
  }

  /** Evaluates `e`, checking that the result has as many lanes as `e`'s type says. */
  eval(e: Expr): Value {
    const v = this.evalNode(e);
    if (lanesOf(v) !== e.lanes) throw this.fail(`${printExpr(e)} has type ${e.dtype}x${e.lanes} but evaluated to ${lanesOf(v)} lane(s)`);
    return v;
  }

  scalar(e: Expr, what: string): number {
    const v = this.eval(e);
    if (typeof v !== 'number') throw this.fail(`${what} must be a scalar, got ${printExpr(e)}`);
    return v;
  }

  private evalNode(e: Expr): Value {
    switch (e.kind) {
      case 'const': return e.value;
      case 'var': {
        const v = this.vars.get(e.v);
        if (v === undefined) throw this.fail(`variable ${e.v.name} is not bound (neither a parameter, a loop variable nor a let)`);
        return v;
      }
      case 'binary': {
        const op = e.op, t = e.dtype;
        return lanewise(e.lanes, [this.eval(e.a), this.eval(e.b)], (a, b) => evalBinary(op, t, a, b));
      }
      case 'cmp': {
        const op = e.op;
        return lanewise(e.lanes, [this.eval(e.a), this.eval(e.b)], (a, b) => evalCmp(op, a, b));
      }
      case 'not': return lanewise(e.lanes, [this.eval(e.a)], (a) => (a ? 0 : 1));
      case 'select': {
        // A scalar condition evaluates only the chosen side (ir/expr.ts select), so a guarded dense
        // load that would be out of bounds is never performed.
        const c = this.eval(e.cond);
        if (typeof c === 'number') return c ? this.eval(e.t) : this.eval(e.f);
        return lanewise(e.lanes, [c, this.eval(e.t), this.eval(e.f)], (cc, t, f) => (cc ? t : f));
      }
      case 'cast': {
        const from = e.value.dtype, to = e.dtype;
        return lanewise(e.lanes, [this.eval(e.value)], (x) => evalCast(from, to, x));
      }
      case 'reinterpret': {
        const from = e.value.dtype, to = e.dtype;
        return lanewise(e.lanes, [this.eval(e.value)], (x) => evalReinterpret(from, to, x));
      }
      case 'call': {
        const fn = e.fn, t = e.dtype;
        return lanewise(e.lanes, e.args.map((a) => this.eval(a)), (...xs) => evalCall(fn, t, xs));
      }
      case 'load': {
        const data = this.buffer(e.buffer);
        return lanewise(e.lanes, [this.eval(e.index)], (i) => {
          this.checkIndex('load from', e.buffer, data, i);
          return data[i]!;
        });
      }
      case 'ramp': {
        const base = this.scalar(e.base, 'a ramp base'), stride = this.scalar(e.stride, 'a ramp stride');
        return Array.from({ length: e.lanes }, (_, i) => wrap(e.dtype, base + i * stride));
      }
      case 'broadcast': {
        const v = this.scalar(e.value, 'a broadcast value');
        return Array.from({ length: e.lanes }, () => v);
      }
      case 'let': return this.withVar(e.v, this.eval(e.value), () => this.eval(e.body));
      case 'access':
        throw this.fail(`met an access to ${e.func.name}; lowering did not finish (storage flattening turns accesses into loads)`);
    }
  }

  private buffer(b: Buffer): TypedArray {
    const data = this.memory.get(b);
    if (!data) throw this.fail(`buffer ${b.name} is neither an argument nor allocated here`);
    return data;
  }

  private checkIndex(what: string, b: Buffer, data: TypedArray, i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= data.length) {
      throw new RangeError(`interpret(${this.funcName}): ${what} ${b.name}[${i}] is out of bounds: ${b.name} has ${data.length} elements`);
    }
  }
}

/**
 * Runs the lowered function `f` on the given size parameters and buffers, writing its outputs in place.
 * @param params a value (an i32 integer) for each of `f.params`; other entries are ignored
 * @param buffers a typed array for each of `f.args`' buffers, of the buffer's dtype and holding exactly
 *   the product of the argument's shape elements (row-major); other entries are ignored
 * @throws Error on a missing parameter or buffer, a wrong dtype or length, an unbound variable, a
 *   front-end node (provide, realize, access) that lowering should have removed, or a failing assert
 *   (the message is the assert's)
 * @throws RangeError on a load or store outside its buffer, naming the buffer, the index and the size
 */
export function interpret(f: LoweredFunc, params: ReadonlyMap<Var, number>, buffers: ReadonlyMap<Buffer, TypedArray>): void {
  const m = new Machine(f.name);
  for (const p of f.params) {
    const value = params.get(p);
    if (value === undefined) throw new Error(`interpret(${f.name}): no value for size parameter ${p.name}`);
    if (!Number.isInteger(value) || value !== wrap('i32', value)) {
      throw new Error(`interpret(${f.name}): size parameter ${p.name} = ${value} is not an i32 integer`);
    }
    m.defineVar(p, value);
  }
  for (const { buffer, shape } of f.args) {
    const data = buffers.get(buffer);
    if (!data) throw new Error(`interpret(${f.name}): no array for buffer ${buffer.name}`);
    const dtype = dtypeOfArray(data);
    if (dtype !== buffer.dtype) throw new Error(`interpret(${f.name}): buffer ${buffer.name} is ${buffer.dtype} but the array passed is ${dtype ?? 'not a typed array'}`);
    const extents = shape.map((e) => m.scalar(e, `a dimension of ${buffer.name}`));
    const size = extents.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new Error(`interpret(${f.name}): buffer ${buffer.name} has shape [${extents.join(', ')}] (${size} elements) but the array passed has ${data.length}`);
    }
    m.defineBuffer(buffer, data);
  }
  m.run(f.body);
}

/**
 * `interpret` with parameters and buffers given by name: `params` maps each of `f.params`' names to its
 * value and `tensors` each argument buffer's name to its typed array.
 * @throws Error when two parameters or two buffers of `f` share a name, or as `interpret`
 */
export function interpretWithTensors(f: LoweredFunc, params: Readonly<Record<string, number>>, tensors: Readonly<Record<string, TypedArray>>): void {
  const byName = <T>(items: readonly T[], name: (x: T) => string, what: string): Map<string, T> => {
    const out = new Map<string, T>();
    for (const x of items) {
      if (out.has(name(x))) throw new Error(`interpret(${f.name}): two ${what}s are named ${name(x)}; pass them with interpret()`);
      out.set(name(x), x);
    }
    return out;
  };
  const paramVars = new Map<Var, number>();
  for (const [name, v] of byName(f.params, (p) => p.name, 'size parameter')) {
    if (Object.hasOwn(params, name)) paramVars.set(v, params[name]!);
  }
  const arrays = new Map<Buffer, TypedArray>();
  for (const [name, a] of byName(f.args, (a) => a.buffer.name, 'buffer')) {
    if (Object.hasOwn(tensors, name)) arrays.set(a.buffer, tensors[name]!);
  }
  interpret(f, paramVars, arrays);
}
