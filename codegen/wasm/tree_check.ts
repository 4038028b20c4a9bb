/**
 * Debugging aid (TESSERA_CHECK_WASM_TREE=1): wraps a binaryen module so that every expression
 * builder records the nodes it returns and throws, with a stack trace, when a node is passed as an
 * operand a second time. binaryen's IR is a tree; a shared node passes validation but corrupts the
 * optimizer.
 */
import type binaryen from 'binaryen';

const OPERAND_FREE = new Set(['addFunction', 'addFunctionImport', 'addFunctionExport', 'setMemory', 'addMemoryImport', 'setFeatures', 'validate', 'optimize', 'emitText', 'emitBinary', 'dispose', 'copyExpression']);

export function checkedModule(m: binaryen.Module): binaryen.Module {
  const made = new Set<number>();
  const used = new Set<number>();
  const wrap = (target: object, path: string): unknown => new Proxy(target, {
    get(obj, key) {
      const v = Reflect.get(obj, key) as unknown;
      if (typeof key !== 'string') return v;
      if (typeof v === 'function') {
        return (...args: unknown[]) => {
          if (!OPERAND_FREE.has(key)) {
            const refs = args.flatMap((a) => (Array.isArray(a) ? a : [a])).filter((a): a is number => typeof a === 'number' && made.has(a));
            for (const r of refs) {
              if (used.has(r)) throw new Error(`binaryen tree check: an expression is used twice (in ${path}${key})`);
              used.add(r);
            }
          }
          const out = (v as (...a: unknown[]) => unknown).apply(obj, args);
          if (typeof out === 'number' && !OPERAND_FREE.has(key)) made.add(out);
          return out;
        };
      }
      if (typeof v === 'object' && v !== null) return wrap(v, `${path}${key}.`);
      return v;
    },
  });
  return wrap(m, 'm.') as binaryen.Module;
}
