/**
 * Work counts of a module's pipelines: arithmetic over size names (`2 * M * N * K`, `H * W`) parsed
 * into the runtime's shape expressions, which an artifact stores and `tessera bench` evaluates.
 * Grammar: sum := product (('+' | '-') product)*; product := atom (('*' | '/') atom)*;
 * atom := integer | name | '(' sum ')'. Division is floor division, as in shapes.
 */
import type { WorkCount } from '../runtime/abi.js';
import type { ShapeExpr } from '../runtime/signature.js';
import { CliError } from './command.js';

const TOKEN = /\s*(\d+|[A-Za-z_][A-Za-z0-9_]*|[-+*/()])/y;

/**
 * @throws CliError naming the expression and the column where it stops making sense
 */
export function parseShapeExpression(text: string, where: string): ShapeExpr {
  const tokens: { text: string; at: number }[] = [];
  let end = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    tokens.push({ text: m[1]!, at: m.index + m[0].length - m[1]!.length });
    end = TOKEN.lastIndex;
  }
  const rest = text.slice(end);
  if (rest.trim() !== '') throw new CliError(`${where}: ${JSON.stringify(text)}: unexpected ${JSON.stringify(rest.trim()[0])} at column ${text.length - rest.trimStart().length + 1}`);
  let i = 0;
  const fail = (what: string): never => {
    const col = i < tokens.length ? tokens[i]!.at + 1 : text.length + 1;
    throw new CliError(`${where}: ${JSON.stringify(text)}: expected ${what} at column ${col}`);
  };
  const atom = (): ShapeExpr => {
    const t = tokens[i];
    if (!t) return fail('a number, a size name or (');
    if (/^\d/.test(t.text)) { i++; return Number(t.text); }
    if (/^[A-Za-z_]/.test(t.text)) { i++; return t.text; }
    if (t.text === '(') {
      i++;
      const e = sum();
      if (tokens[i]?.text !== ')') fail(')');
      i++;
      return e;
    }
    return fail('a number, a size name or (');
  };
  const product = (): ShapeExpr => {
    let e = atom();
    while (tokens[i]?.text === '*' || tokens[i]?.text === '/') {
      const op = tokens[i++]!.text === '*' ? 'mul' : 'div';
      e = { op, a: e, b: atom() };
    }
    return e;
  };
  const sum = (): ShapeExpr => {
    let e = product();
    while (tokens[i]?.text === '+' || tokens[i]?.text === '-') {
      const op = tokens[i++]!.text === '+' ? 'add' : 'sub';
      e = { op, a: e, b: product() };
    }
    return e;
  };
  const e = sum();
  if (i < tokens.length) fail('an operator');
  return e;
}

/** A module's `work` entry as shape expressions. @throws CliError for an unknown key or a bad expression */
export function parseWork(work: Readonly<Record<string, unknown>>, where: string): WorkCount {
  const out: { flops?: ShapeExpr; pixels?: ShapeExpr } = {};
  for (const [key, value] of Object.entries(work)) {
    if (key !== 'flops' && key !== 'pixels') throw new CliError(`${where}: work.${key} is not flops or pixels`);
    if (typeof value !== 'string') throw new CliError(`${where}: work.${key} must be an expression string such as '2 * M * N * K'`);
    out[key] = parseShapeExpression(value, `${where}: work.${key}`);
  }
  return out;
}
