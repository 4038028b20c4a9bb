/**
 * A node's attributes, read against what its operator defines at the model's opset. As onnx.checker
 * and onnxruntime do (ONNX's OpSchema::Verify), an attribute the operator does not define is refused,
 * and so is an attribute of the wrong type: nothing in a node is silently ignored.
 */
import type { AttrValue, ConstTensor } from '../graph/ir.js';
import { OpError, type OpContext } from './op.js';

/** Throws the OpError of `ctx`'s node with `reason`. */
export function fail(ctx: OpContext, reason: string): never {
  throw new OpError(ctx.node.name, ctx.node.op, ctx.opset, reason);
}

type Kind = AttrValue['type'];
type ValueOf = { [A in AttrValue as A['type']]: A['value'] };

export class Attributes {
  /**
   * @param allowed the attribute names the operator defines at `ctx.opset`
   * @throws OpError naming an attribute the node has that is not in `allowed`
   */
  constructor(private readonly ctx: OpContext, allowed: readonly string[]) {
    for (const name of Object.keys(ctx.node.attrs)) {
      if (!allowed.includes(name)) {
        const known = allowed.length ? `; it has ${allowed.join(', ')}` : '; it has none';
        fail(ctx, `attribute ${name} is not an attribute of ${ctx.node.op} at opset ${ctx.opset}${known}`);
      }
    }
  }

  has(name: string): boolean { return name in this.ctx.node.attrs; }

  private get<K extends Kind>(name: string, kind: K): ValueOf[K] | undefined {
    const a: AttrValue | undefined = this.ctx.node.attrs[name];
    if (a === undefined) return undefined;
    if (a.type !== kind) fail(this.ctx, `attribute ${name} must be of type ${kind}, got ${a.type}`);
    return a.value as ValueOf[K];
  }

  /** An INT attribute, or `fallback` when absent. @throws OpError when absent without fallback, or mistyped */
  int(name: string, fallback?: number): number {
    const v = this.get(name, 'int') ?? fallback;
    if (v === undefined) fail(this.ctx, `attribute ${name} is required`);
    return v;
  }
  /** An INT attribute restricted to 0 or 1 (ONNX's boolean flags). */
  flag(name: string, fallback: 0 | 1): boolean {
    const v = this.int(name, fallback);
    if (v !== 0 && v !== 1) fail(this.ctx, `attribute ${name} must be 0 or 1, got ${v}`);
    return v === 1;
  }
  optionalInt(name: string): number | undefined { return this.get(name, 'int'); }
  float(name: string, fallback?: number): number {
    const v = this.get(name, 'float') ?? fallback;
    if (v === undefined) fail(this.ctx, `attribute ${name} is required`);
    return v;
  }
  optionalFloat(name: string): number | undefined { return this.get(name, 'float'); }
  string(name: string, fallback?: string): string {
    const v = this.get(name, 'string') ?? fallback;
    if (v === undefined) fail(this.ctx, `attribute ${name} is required`);
    return v;
  }
  /** A STRING attribute that must be one of `choices`. @throws OpError naming the value and the choices */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.string(name, fallback);
    if (!(choices as readonly string[]).includes(v)) fail(this.ctx, `attribute ${name} = ${JSON.stringify(v)} is not supported; it must be one of ${choices.join(', ')}`);
    return v as T;
  }
  optionalInts(name: string): readonly number[] | undefined { return this.get(name, 'ints'); }
  ints(name: string, fallback?: readonly number[]): readonly number[] {
    const v = this.get(name, 'ints') ?? fallback;
    if (v === undefined) fail(this.ctx, `attribute ${name} is required`);
    return v;
  }
  optionalFloats(name: string): readonly number[] | undefined { return this.get(name, 'floats'); }
  optionalTensor(name: string): ConstTensor | undefined { return this.get(name, 'tensor'); }
}
