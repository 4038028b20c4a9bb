/**
 * A structural hash of a lowered function: two schedules that lower to the same loop nest, up to the
 * names of loop variables, lets and scratch buffers, hash alike, so the tuner measures that code once
 * (MetaSchedule deduplicates by a structural hash of the IR module too). Variables and buffers are
 * numbered in the order they are bound; the kernel's parameters and tensor arguments keep their names
 * and order (the calling convention is part of what a kernel is). The hash does not depend on the
 * process, the engine or object ids.
 */
import type { Buffer, Expr, Var } from '../ir/expr.js';
import type { LoweredFunc, Stmt } from '../ir/stmt.js';
import { sha256Hex } from './workload.js';

/** Canonical text of `f` (see the file's comment). */
export function canonicalLoweredText(f: LoweredFunc): string {
  const vars = new Map<Var, string>();
  const buffers = new Map<Buffer, string>();
  f.params.forEach((p) => vars.set(p, `$${p.name}`));
  f.args.forEach((a) => buffers.set(a.buffer, `@${a.buffer.name}`));
  const bindVar = (v: Var) => { const n = `v${vars.size}`; vars.set(v, n); return n; };
  const varName = (v: Var) => vars.get(v) ?? bindVar(v);
  const bufName = (b: Buffer) => {
    let n = buffers.get(b);
    if (!n) { n = `b${buffers.size}`; buffers.set(b, n); }
    return n;
  };
  const t = (e: Expr) => (e.lanes === 1 ? e.dtype : `${e.dtype}x${e.lanes}`);
  const ex = (e: Expr): string => {
    switch (e.kind) {
      case 'const': return `${Object.is(e.value, -0) ? '-0' : e.value}:${t(e)}`;
      case 'var': return varName(e.v);
      case 'binary': case 'cmp': return `(${e.op} ${ex(e.a)} ${ex(e.b)})`;
      case 'not': return `(! ${ex(e.a)})`;
      case 'select': return `(? ${ex(e.cond)} ${ex(e.t)} ${ex(e.f)})`;
      case 'cast': return `(${t(e)} ${ex(e.value)})`;
      case 'reinterpret': return `(bits ${t(e)} ${ex(e.value)})`;
      case 'call': return `(${e.fn} ${e.args.map(ex).join(' ')})`;
      case 'access': return `(@${e.func.name} ${e.args.map(ex).join(' ')})`;
      case 'load': return `(ld ${bufName(e.buffer)}:${t(e)} ${ex(e.index)})`;
      case 'ramp': return `(ramp ${ex(e.base)} ${ex(e.stride)} ${e.lanes})`;
      case 'broadcast': return `(bc ${ex(e.value)} ${e.lanes})`;
      case 'let': { const value = ex(e.value); return `(let ${bindVar(e.v)} ${value} ${ex(e.body)})`; }
    }
  };
  const out: string[] = [];
  const st = (s: Stmt): void => {
    switch (s.kind) {
      case 'for': { const min = ex(s.min), extent = ex(s.extent); out.push(`for ${bindVar(s.v)} ${min} ${extent} ${s.forKind} {`); st(s.body); out.push('}'); return; }
      case 'store': out.push(`st ${bufName(s.buffer)} ${ex(s.index)} ${ex(s.value)}`); return;
      case 'provide': out.push(`provide ${s.func.name} ${s.args.map(ex).join(' ')} ${ex(s.value)}`); return;
      case 'realize': out.push(`realize ${s.func.name} ${s.bounds.map((r) => `${ex(r.min)},${ex(r.extent)}`).join(' ')} {`); st(s.body); out.push('}'); return;
      case 'allocate': { const size = ex(s.size); out.push(`alloc ${bufName(s.buffer)}:${s.buffer.dtype} ${size} ${s.scope} {`); st(s.body); out.push('}'); return; }
      case 'if': out.push(`if ${ex(s.cond)} {`); st(s.then); if (s.else) { out.push('} else {'); st(s.else); } out.push('}'); return;
      case 'block': s.stmts.forEach(st); return;
      case 'letStmt': { const value = ex(s.value); out.push(`let ${bindVar(s.v)} ${value}`); st(s.body); return; }
      case 'assert': out.push(`assert ${ex(s.cond)} ${JSON.stringify(s.message)}`); return;
      case 'produce': out.push(`produce ${s.func.name} {`); st(s.body); out.push('}'); return;
      case 'barrier': out.push(`barrier ${s.memory}`); return;
    }
  };
  const sig = [...f.params.map((p) => `$${p.name}`), ...f.args.map((a) => `${a.role} @${a.buffer.name}:${a.buffer.dtype}[${a.shape.map(ex).join(',')}]`)];
  st(f.body);
  return `func ${f.name}(${sig.join(', ')})\n${out.join('\n')}\n`;
}

/** SHA-256 hex of `canonicalLoweredText(f)`. */
export function loweredHash(f: LoweredFunc): string {
  return sha256Hex(canonicalLoweredText(f));
}
