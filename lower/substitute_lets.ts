/**
 * Substitutes the lets that rebuild split and fused axes once bound inference no longer needs them as
 * names, so that index arithmetic is visible to the simplifier and to vectorization (a dense vector
 * load needs its index to be a ramp, not a variable).
 */
import * as ir from '../ir/expr.js';
import { type Stmt, mapStmtChildren, type StmtMapper } from '../ir/stmt.js';
import { simplify } from '../ir/simplify.js';

/** Removes every letStmt binding a variable of `vars`, substituting its (simplified) value. */
export function substituteLets(s: Stmt, vars: ReadonlySet<ir.Var>): Stmt {
  const env = new Map<ir.Var, ir.Expr>();
  const expr = (e: ir.Expr) => (env.size ? ir.substitute(e, env) : e);
  const m: StmtMapper = {
    expr,
    stmt: (x) => {
      if (x.kind === 'letStmt' && vars.has(x.v)) {
        env.set(x.v, simplify(expr(x.value)));
        const body = m.stmt(x.body);
        env.delete(x.v);
        return body;
      }
      return mapStmtChildren(x, m);
    },
  };
  return m.stmt(s);
}
