/**
 * Checks of JSON read from a file, each failing with an ArtifactError that names the file, the
 * field's path and what was expected, so a bad artifact says exactly where it is bad.
 */
import { ArtifactError } from './abi.js';
import type { ShapeExpr } from './signature.js';

const SHAPE_OPS = ['add', 'sub', 'mul', 'div', 'min', 'max'] as const;

export type JsonObject = Readonly<Record<string, unknown>>;

export class JsonCheck {
  /** @param where the file or artifact, first in every message */
  constructor(readonly where: string) {}

  fail(path: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80) ?? String(got);
    throw new ArtifactError(`${this.where}: ${path} must be ${expected}, got ${shown}`);
  }

  object(value: unknown, path: string): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as JsonObject;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    return value;
  }

  integer(value: unknown, path: string, min = -Infinity): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) this.fail(path, min === -Infinity ? 'an integer' : `an integer >= ${min}`, value);
    return value;
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'true or false', value);
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) this.fail(path, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
    return value as T;
  }

  array(value: unknown, path: string): readonly unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    return value;
  }

  strings(value: unknown, path: string): readonly string[] {
    return this.array(value, path).map((x, i) => this.string(x, `${path}[${i}]`));
  }

  /** A shape expression (runtime/signature.ts): an integer, a size name, or { op, a, b }. */
  shapeExpr(value: unknown, path: string): ShapeExpr {
    if (typeof value === 'number') return this.integer(value, path);
    if (typeof value === 'string') return value;
    const o = this.object(value, path);
    return { op: this.oneOf(o.op, `${path}.op`, SHAPE_OPS), a: this.shapeExpr(o.a, `${path}.a`), b: this.shapeExpr(o.b, `${path}.b`) };
  }
}
