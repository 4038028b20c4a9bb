/**
 * Barriers between the thread nests of a workgroup (what TVM's storage_sync and Halide's
 * FuseGPUThreadLoops do): at block level, a nest that reads or writes memory an earlier nest wrote
 * waits at a barrier first; a serial loop at block level whose body reads memory it also writes ends
 * its body with one, so that the next iteration does not overwrite what this one's nests still read. Writes to
 * workgroup memory need workgroupBarrier, writes to storage buffers storageBarrier (WGSL §17.11).
 * Invocation-private buffers (allocated inside thread loops) need none.
 */
import type * as ir from '../../ir/expr.js';
import * as irx from '../../ir/expr.js';
import { type Stmt, block, barrier, forLoop, ifThen, letStmt, allocate, produce, walkStmt, stmtExprs } from '../../ir/stmt.js';

interface Accesses { readonly reads: Set<ir.Buffer>; readonly writes: Set<ir.Buffer> }

function accessesOf(s: Stmt): Accesses {
  const reads = new Set<ir.Buffer>(), writes = new Set<ir.Buffer>();
  walkStmt(s, (x) => {
    if (x.kind === 'store') writes.add(x.buffer);
    for (const e of stmtExprs(x)) irx.walkExpr(e, (y) => { if (y.kind === 'load') reads.add(y.buffer); });
  });
  return { reads, writes };
}

/**
 * @param body a kernel body whose block-level work is all inside thread loops
 * @param workgroup the kernel's workgroup buffers
 * @param private_ buffers private to an invocation
 */
export function insertBarriers(body: Stmt, workgroup: ReadonlySet<ir.Buffer>, private_: ReadonlySet<ir.Buffer>): Stmt {
  const kindFor = (bufs: Iterable<ir.Buffer>): 'workgroup' | 'storage' | 'both' | undefined => {
    let w = false, st = false;
    for (const b of bufs) {
      if (private_.has(b)) continue;
      if (workgroup.has(b)) w = true; else st = true;
    }
    return w && st ? 'both' : w ? 'workgroup' : st ? 'storage' : undefined;
  };
  const sync = (s: Stmt): Stmt => {
    switch (s.kind) {
      case 'block': {
        const out: Stmt[] = [];
        const pending = new Set<ir.Buffer>();
        for (const item of s.stmts.map(sync)) {
          const acc = accessesOf(item);
          const conflict = [...pending].filter((b) => acc.reads.has(b) || acc.writes.has(b));
          const kind = kindFor(conflict);
          if (kind) { out.push(barrier(kind)); pending.clear(); }
          out.push(item);
          for (const b of acc.writes) pending.add(b);
        }
        return block(out);
      }
      case 'letStmt': return letStmt(s.v, s.value, sync(s.body));
      case 'allocate': return allocate(s.buffer, s.size, s.scope, sync(s.body));
      case 'produce': return produce(s.func, sync(s.body));
      case 'if': return ifThen(s.cond, sync(s.then), s.else && sync(s.else));
      case 'for': {
        if (s.forKind === 'gpu_thread') return s;
        const body = sync(s.body);
        if (s.forKind === 'gpu_block') return forLoop(s.v, s.min, s.extent, s.forKind, body);
        const acc = accessesOf(body);
        const kind = kindFor([...acc.writes].filter((b) => acc.reads.has(b)));
        return forLoop(s.v, s.min, s.extent, s.forKind, kind ? block([body, barrier(kind)]) : body);
      }
      default: return s;
    }
  };
  return sync(body);
}
