/**
 * Text form of the loop IR, in the style of Halide's lowered statement: C-like, one statement a line,
 * vector types written as dtype x lanes (f32x4), loop kinds as a suffix.
 */
import { type Expr, typeStr } from './expr.js';
import type { Stmt, LoweredFunc } from './stmt.js';

const BIN: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%', and: '&&', or: '||', xor: '^', shl: '<<', shr: '>>' };
const CMP: Record<string, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
const PREC: Record<string, number> = { or: 1, and: 2, cmp: 3, add: 4, sub: 4, xor: 4, shl: 5, shr: 5, mul: 6, div: 6, mod: 6 };

function fmtNum(v: number, dtype: string): string {
  if (dtype === 'f32' || dtype === 'f64') {
    const s = Object.is(v, -0) ? '-0.0' : Number.isInteger(v) ? `${v}.0` : String(v);
    return dtype === 'f32' ? `${s}f` : s;
  }
  if (dtype === 'bool') return v ? 'true' : 'false';
  return dtype === 'i32' ? String(v) : `(${dtype})${v}`;
}

export function printExpr(e: Expr, parentPrec = 0): string {
  switch (e.kind) {
    case 'const': return fmtNum(e.value, e.dtype);
    case 'var': return e.v.name;
    case 'binary': {
      if (e.op === 'min' || e.op === 'max') return `${e.op}(${printExpr(e.a)}, ${printExpr(e.b)})`;
      const p = PREC[e.op]!;
      const sym = e.dtype !== 'bool' && (e.op === 'and' || e.op === 'or') ? (e.op === 'and' ? '&' : '|') : BIN[e.op];
      return paren(`${printExpr(e.a, p)} ${sym} ${printExpr(e.b, p + 1)}`, p, parentPrec);
    }
    case 'cmp': return paren(`${printExpr(e.a, 4)} ${CMP[e.op]} ${printExpr(e.b, 4)}`, 3, parentPrec);
    case 'not': return `!${printExpr(e.a, 9)}`;
    case 'select': return `select(${printExpr(e.cond)}, ${printExpr(e.t)}, ${printExpr(e.f)})`;
    case 'cast': return `${typeStr(e)}(${printExpr(e.value)})`;
    case 'reinterpret': return `reinterpret<${typeStr(e)}>(${printExpr(e.value)})`;
    case 'call': return `${e.fn}(${e.args.map((a) => printExpr(a)).join(', ')})`;
    case 'access': return `${e.func.name}(${e.args.map((a) => printExpr(a)).join(', ')})`;
    case 'load': return `${e.buffer.name}[${printExpr(e.index)}]`;
    case 'ramp': return `ramp(${printExpr(e.base)}, ${printExpr(e.stride)}, ${e.lanes})`;
    case 'broadcast': return `x${e.lanes}(${printExpr(e.value)})`;
    case 'let': return `(let ${e.v.name} = ${printExpr(e.value)} in ${printExpr(e.body)})`;
  }
}

const paren = (s: string, prec: number, parent: number) => (prec < parent ? `(${s})` : s);

export function printStmt(s: Stmt, indent = ''): string {
  const inner = indent + '  ';
  switch (s.kind) {
    case 'for': {
      const kind = s.forKind === 'serial' ? '' : ` ${s.forKind}`;
      return `${indent}for (${s.v.name}, ${printExpr(s.min)}, ${printExpr(s.extent)})${kind} {\n${printStmt(s.body, inner)}${indent}}\n`;
    }
    case 'store': return `${indent}${s.buffer.name}[${printExpr(s.index)}] = ${printExpr(s.value)}\n`;
    case 'provide': return `${indent}${s.func.name}(${s.args.map((a) => printExpr(a)).join(', ')}) = ${printExpr(s.value)}\n`;
    case 'realize': {
      const b = s.bounds.map((r) => `[${printExpr(r.min)}, ${printExpr(r.extent)}]`).join(', ');
      return `${indent}realize ${s.func.name}(${b}) {\n${printStmt(s.body, inner)}${indent}}\n`;
    }
    case 'allocate':
      return `${indent}allocate ${s.buffer.name}[${s.buffer.dtype} * ${printExpr(s.size)}] in ${s.scope}\n${printStmt(s.body, indent)}${indent}free ${s.buffer.name}\n`;
    case 'if': {
      let out = `${indent}if (${printExpr(s.cond)}) {\n${printStmt(s.then, inner)}${indent}}`;
      if (s.else) out += ` else {\n${printStmt(s.else, inner)}${indent}}`;
      return out + '\n';
    }
    case 'block': return s.stmts.map((t) => printStmt(t, indent)).join('');
    case 'letStmt': return `${indent}let ${s.v.name} = ${printExpr(s.value)}\n${printStmt(s.body, indent)}`;
    case 'assert': return `${indent}assert(${printExpr(s.cond)}, ${JSON.stringify(s.message)})\n`;
    case 'produce': return `${indent}produce ${s.func.name} {\n${printStmt(s.body, inner)}${indent}}\n`;
    case 'barrier': return `${indent}barrier(${s.memory})\n`;
  }
}

export function printFunc(f: LoweredFunc): string {
  const params = [...f.params.map((p) => `int32 ${p.name}`), ...f.args.map((a) => `${a.buffer.dtype} *${a.buffer.name}`)];
  return `func ${f.name}(${params.join(', ')}) {\n${printStmt(f.body, '  ')}}\n`;
}
