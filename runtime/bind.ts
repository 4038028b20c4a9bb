/**
 * Checks the tensors passed to a kernel against its signature and binds the size parameters from
 * their shapes. Every error names the argument.
 */
import { dtypeOfArray } from './dtype.js';
import { type KernelSignature, type ArgSpec, evalShape } from './signature.js';
import { type Tensor, ArgumentError, numel, zeros } from './tensor.js';

export interface BoundCall {
  readonly params: ReadonlyMap<string, number>;
  /** One tensor per signature argument, in order (outputs allocated when not passed). */
  readonly tensors: readonly Tensor[];
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'data' in x && 'shape' in x && Array.isArray((x as Tensor).shape);
}

/**
 * @param sig the kernel's signature
 * @param inputs a tensor per input argument, by name
 * @param outputs optional tensors to write outputs into, by name (allocated otherwise)
 * @throws ArgumentError for a missing or unknown argument, a wrong dtype, rank, data length, a
 *   shape that disagrees with another argument's or cannot be inferred, or a resident tensor that
 *   does not lie inside its memory
 */
export function bindArguments(sig: Pick<KernelSignature, 'name' | 'params' | 'args'>, inputs: Readonly<Record<string, Tensor>>, outputs: Readonly<Record<string, Tensor>> = {}): BoundCall {
  const names = sig.args.map((a) => a.name);
  for (const k of [...Object.keys(inputs), ...Object.keys(outputs)]) {
    if (!names.includes(k)) throw new ArgumentError(`${sig.name}: unknown argument ${k}; the kernel takes ${names.join(', ')}`);
  }
  const params = new Map<string, number>();
  const where = new Map<string, string>();
  const check = (a: ArgSpec, t: Tensor) => {
    if (!isTensor(t)) throw new ArgumentError(`${sig.name}: ${a.role} ${a.name} must be { data, shape }`);
    let data: unknown;
    try {
      data = t.data;
    } catch (e) {
      // A resident tensor whose address lies outside its memory.
      if (e instanceof ArgumentError) throw new ArgumentError(`${sig.name}: ${a.role} ${a.name}: ${e.message}`);
      throw e;
    }
    const dt = dtypeOfArray(data);
    if (dt !== a.dtype) throw new ArgumentError(`${sig.name}: ${a.role} ${a.name} must hold ${a.dtype} data, got ${dt ?? typeof t.data}`);
    if (t.shape.length !== a.shape.length) throw new ArgumentError(`${sig.name}: ${a.role} ${a.name} must have ${a.shape.length} dimension(s), got ${t.shape.length} ([${t.shape.join(', ')}])`);
    if (t.data.length !== numel(t.shape)) throw new ArgumentError(`${sig.name}: ${a.role} ${a.name} has ${t.data.length} elements but its shape [${t.shape.join(', ')}] needs ${numel(t.shape)}`);
    a.shape.forEach((s, d) => {
      const got = t.shape[d]!;
      if (typeof s === 'string') {
        const had = params.get(s);
        if (had === undefined) { params.set(s, got); where.set(s, `${a.name} dimension ${d}`); }
        else if (had !== got) throw new ArgumentError(`${sig.name}: ${a.role} ${a.name} has extent ${got} in dimension ${d}, but size ${s} is ${had} from ${where.get(s)}`);
      } else if (typeof s === 'number' && s !== got) {
        throw new ArgumentError(`${sig.name}: ${a.role} ${a.name} must have extent ${s} in dimension ${d}, got ${got}`);
      }
    });
  };
  for (const a of sig.args) {
    const t = a.role === 'input' ? inputs[a.name] : outputs[a.name];
    if (a.role === 'input' && !t) throw new ArgumentError(`${sig.name}: missing input ${a.name}`);
    if (t) check(a, t);
  }
  const tensors = sig.args.map((a) => {
    const given = a.role === 'input' ? inputs[a.name] : outputs[a.name];
    if (given) {
      a.shape.forEach((s, d) => {
        if (typeof s === 'object') {
          const want = evalShape(s, params);
          if (want !== given.shape[d]) throw new ArgumentError(`${sig.name}: ${a.role} ${a.name} must have extent ${want} in dimension ${d}, got ${given.shape[d]}`);
        }
      });
      return given;
    }
    const shape = a.shape.map((s, d) => {
      try {
        return evalShape(s, params);
      } catch {
        throw new ArgumentError(`${sig.name}: cannot infer extent ${d} of output ${a.name} from the inputs; pass the output tensor`);
      }
    });
    return zeros(a.dtype, shape);
  });
  for (const p of sig.params) {
    if (!params.has(p)) throw new ArgumentError(`${sig.name}: size ${p} is not given by any argument's shape`);
    if (params.get(p)! < 1) throw new ArgumentError(`${sig.name}: size ${p} is ${params.get(p)}; sizes must be at least 1`);
  }
  return { params, tensors };
}
