/**
 * A pipeline: the output stages and everything they read, in topological order (producers first).
 */
import * as ir from '../ir/expr.js';
import { type Func, Placeholder, Stage } from './func.js';
import { DefinitionError, isSizeVar } from './term.js';

export class Pipeline {
  /** Stages in topological order, producers first; outputs included. */
  readonly stages: readonly Stage[];
  readonly inputs: readonly Placeholder[];
  /** Size variables used by shapes and definitions, in first-seen order. */
  readonly params: readonly ir.Var[];

  /**
   * @param outputs the stages whose values the compiled function returns (written to output tensors)
   * @throws DefinitionError when two different stages or inputs share a name, or there is a cycle
   */
  constructor(readonly outputs: readonly Stage[]) {
    if (outputs.length === 0) throw new DefinitionError('a pipeline needs at least one output stage');
    const stages: Stage[] = [], inputs: Placeholder[] = [];
    const state = new Map<Func, 'visiting' | 'done'>();
    const visit = (f: Func, path: string[]) => {
      const st = state.get(f);
      if (st === 'done') return;
      if (st === 'visiting') throw new DefinitionError(`cycle in the pipeline: ${[...path, f.name].join(' -> ')}`);
      if (f instanceof Placeholder) { state.set(f, 'done'); inputs.push(f); return; }
      if (!(f instanceof Stage)) throw new DefinitionError(`${f.name} is neither a stage nor a placeholder`);
      state.set(f, 'visiting');
      for (const p of f.producers()) visit(p, [...path, f.name]);
      state.set(f, 'done');
      stages.push(f);
    };
    for (const o of outputs) {
      if (!(o instanceof Stage)) throw new DefinitionError(`pipeline output ${String((o as Func).name)} must be a compute stage`);
      visit(o, []);
    }
    const names = new Map<string, Func>();
    for (const f of [...inputs, ...stages]) {
      const other = names.get(f.name);
      if (other && other !== f) throw new DefinitionError(`two different stages or inputs are named ${f.name}; names must be unique in a pipeline`);
      names.set(f.name, f);
    }
    const params: ir.Var[] = [];
    const see = (e: ir.Expr) => ir.walkExpr(e, (x) => {
      if (x.kind === 'var' && isSizeVar(x.v) && !params.includes(x.v)) params.push(x.v);
    });
    for (const f of [...inputs, ...stages]) f.shape.forEach(see);
    for (const s of stages) {
      see(s.body);
      s.reduction?.axes.forEach((a) => { see(a.lo); see(a.extent); });
    }
    this.stages = stages;
    this.inputs = inputs;
    this.params = params;
  }

  /** The stage or input called `name`. */
  func(name: string): Func | undefined {
    return this.stages.find((s) => s.name === name) ?? this.inputs.find((p) => p.name === name);
  }
  /** The stages that read `f` directly. */
  consumersOf(f: Func): Stage[] {
    return this.stages.filter((s) => s.producers().includes(f));
  }
}

/** Builds a pipeline from one or more output stages. */
export function pipeline(...outputs: Stage[]): Pipeline {
  return new Pipeline(outputs);
}
