/**
 * What the graph passes and the model compiler need of an operator library: entries by domain, op
 * type and opset (ops/registry.ts provides Tessera's; tests may pass another).
 */
import type { OpEntry } from '../ops/op.js';

export interface OpLibrary {
  /** The entry implementing `op` of `domain` ('' is ai.onnx) at the model's `opset`, if any. */
  lookup(domain: string, op: string, opset: number): OpEntry | undefined;
  /** Every operator with its domain and opset range, for messages that list what is supported and for docs. */
  supported(): readonly SupportedOp[];
}

export interface SupportedOp {
  readonly domain: string;
  readonly op: string;
  readonly opsets: readonly [number, number];
}

/** A library over a list of entries (one per op and opset range). */
export function libraryOf(entries: readonly OpEntry[]): OpLibrary {
  return {
    lookup: (domain, op, opset) => entries.find((e) => e.op === op && (e.domain ?? '') === domain && e.opsets[0] <= opset && opset <= e.opsets[1]),
    supported: () => entries.map((e) => ({ domain: e.domain ?? '', op: e.op, opsets: e.opsets })),
  };
}

/** Why `lookup` found nothing, as a sentence: the op is missing, or implemented at other opsets only. */
export function unsupportedReason(lib: OpLibrary, domain: string, op: string, opset: number): string {
  const same = lib.supported().filter((e) => e.op === op && (e.domain ?? '') === domain);
  const qualified = domain ? `${domain}.${op}` : op;
  if (same.length > 0) {
    const ranges = same.map((e) => (e.opsets[0] === e.opsets[1] ? `${e.opsets[0]}` : `${e.opsets[0]}-${e.opsets[1]}`)).join(', ');
    return `Tessera implements ${qualified} for opset ${ranges}, not opset ${opset}`;
  }
  const names = [...new Set(lib.supported().filter((e) => (e.domain ?? '') === domain).map((e) => e.op))].sort();
  return `Tessera has no operator ${qualified}; ${names.length ? `supported${domain ? ` in ${domain}` : ''}: ${names.join(', ')}` : `it supports no operators of domain ${JSON.stringify(domain)}`}`;
}
