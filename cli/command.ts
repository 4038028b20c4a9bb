/**
 * What every `tessera` command shares: the entry in the command table, where its output goes, and
 * the error it raises for what the user asked wrongly (printed as its message, exit status 1).
 */
import type { Command } from 'commander';

/** Where a command writes: stdout for its results, stderr for progress and errors. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The folder relative paths start from. */
  readonly cwd: string;
  /** The stream behind `err` when it is the process's stderr (progress bars redraw on a terminal). */
  readonly errStream?: NodeJS.WriteStream;
}

/** One command of the CLI: one file in cli/commands/, one line in cli/main.ts's table. */
export interface CliCommand {
  readonly name: string;
  /** Adds the command (its arguments, options and action) to `program`. */
  register(program: Command, io: CliIo): void;
}

/** A mistake in what the user asked: a missing file, an unknown name, a bad option value. */
export class CliError extends Error {
  override name = 'CliError';
}

/** `value` when it is one of `allowed`. @throws CliError naming the option and the allowed values */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`${option} must be ${allowed.join(' or ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Collects a repeatable option's values (`--input a=x --input b=y`). */
export const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];

/**
 * Splits `NAME=VALUE` pairs of a repeatable option into a map.
 * @throws CliError for an item without `=`, an empty name, or a name given twice
 */
export function pairs(option: string, items: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) throw new CliError(`${option} takes NAME=VALUE, got ${JSON.stringify(item)}`);
    const name = item.slice(0, at);
    if (out.has(name)) throw new CliError(`${option} ${name} is given twice`);
    out.set(name, item.slice(at + 1));
  }
  return out;
}

/** A positive integer option value. @throws CliError otherwise */
export function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${option} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** A positive number option value. @throws CliError otherwise */
export function positiveNumber(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${option} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

/** `x` to three significant digits, never in exponent notation (1020, not 1.02e+3; 0.00150 stays). */
export const threeDigits = (x: number): string => (Math.abs(x) >= 1000 ? Math.round(x).toString() : x.toPrecision(3));
