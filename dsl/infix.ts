/**
 * Infix definitions: a stage's value written as text, `(input(y, x - 1) + input(y, x) + input(y, x + 1)) / 3`,
 * parsed by mathjs's expression parser (its parse function only, from the number-only build;
 * mathjs.org/docs/expressions/syntax) and built with the same DSL calls a method chain makes, so the
 * text and `e.at(y, x.sub(1)).add(e.at(y, x)).add(e.at(y, x.add(1))).div(3)` give the same Terms.
 *
 * The language: + - * / (Tessera's: floor division for integers), % (Tessera's Euclidean mod),
 * unary -, comparisons (chains such as `0 <= x < W` are conjunctions), `and`/`or`/`xor`/`not` and
 * & | ~ << >> (>>> on unsigned types), `c ? a : b`, ^ (pow), calls of the DSL's functions (exp, log,
 * sqrt, abs, floor, ceil, round, trunc, sin, cos, tan, tanh, sigmoid, erf, pow, atan2, min, max,
 * clamp, select), casts (`f32(x)`, `cast(x, "u16")`, `reinterpret(x, "i32")`), reads of stages and
 * inputs by call syntax (`input(y, x - 1)`), names of axes, size variables and Terms, number literals
 * (typed as Tessera's are: by the other operand, else i32 for integers and f32 otherwise; + - * /
 * between two literals is JavaScript's, as in `x.add(1 / 2)`), `true`/`false`, `NaN`, `Infinity`,
 * and, as a stage's whole definition, reductions `sum(value, k)`, `maximum(value, [ry, rx])`, ...
 * A definition may start with a header naming the stage and its axes: `blur_x(y, x) = ...`.
 *
 * Errors are DefinitionErrors that give the column and show the text with a caret line under the
 * part at fault: parse errors, unknown names (listing the names in scope), wrong arity, and the dtype
 * errors of the Term API.
 */
// The number-only build: the parser is the same, and loading it costs half of the full library's.
import { create, parseDependencies, type MathNode } from 'mathjs/number';
import * as ir from '../ir/expr.js';
import { type DType, isDType, isFloat } from '../ir/dtype.js';
import * as T from './term.js';
import { Term, type TermLike, DefinitionError, lift } from './term.js';
import { ReduceAxis, Reduction, sum, product, maximum, minimum } from './reduction.js';

const { parse } = create({ parseDependencies });

/** What a stage or input offers a definition: indexing by call syntax (dsl/func.ts Func). */
export interface Indexable {
  readonly name: string;
  readonly ndim: number;
  at(...idx: TermLike[]): Term;
}

/** What a name in a definition can stand for. */
export type InfixValue = Term | number | Indexable;
/** Names in scope for a definition, by name. */
export type InfixEnv = Readonly<Record<string, InfixValue>>;

const isIndexable = (v: unknown): v is Indexable =>
  typeof v === 'object' && v !== null && !(v instanceof Term) && typeof (v as Indexable).at === 'function' && typeof (v as Indexable).ndim === 'number';

/** A span of the text, [start, end) in UTF-16 code units. */
interface Span { readonly start: number; readonly end: number }

/** The text with a caret line under `span`, indented, for error messages. */
function pointAt(text: string, span: Span): string {
  const lines = text.split('\n');
  let offset = 0, row = 0;
  while (row < lines.length - 1 && offset + lines[row]!.length < span.start) { offset += lines[row]!.length + 1; row++; }
  const line = lines[row]!, col = span.start - offset;
  const width = Math.max(1, Math.min(span.end, offset + line.length) - span.start);
  return `  ${line}\n  ${' '.repeat(col)}${'^'.repeat(width)}`;
}

/** mathjs's operator keywords, which are not leaves of the tree. */
const KEYWORDS = new Set(['and', 'or', 'not', 'xor', 'mod', 'to', 'in']);
const LEAF_TOKEN = /0[xXbBoO][0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?(?:i\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[\p{L}_$][\p{L}\p{N}_$]*/gu;

/**
 * The spans of the tree's nodes. The leaves (symbols and constants) are, in pre-order, the leaf
 * tokens of the text in order (mathjs keeps no positions); a node spans its children, widened to the
 * brackets that close a call, a parenthesis or a list and to a prefix operator. Returns no spans
 * when leaves and tokens do not line up (errors then come without a caret).
 */
function nodeSpans(text: string, root: MathNode, skipTokens: number): Map<MathNode, Span> {
  const tokens: Span[] = [];
  for (const m of text.matchAll(LEAF_TOKEN)) {
    if (!KEYWORDS.has(m[0])) tokens.push({ start: m.index, end: m.index + m[0].length });
  }
  tokens.splice(0, skipTokens);
  const leaves: MathNode[] = [];
  root.traverse((n) => { if (n.type === 'SymbolNode' || n.type === 'ConstantNode') leaves.push(n); });
  const spans = new Map<MathNode, Span>();
  if (leaves.length !== tokens.length) return spans;
  leaves.forEach((n, i) => spans.set(n, tokens[i]!));
  /** The index after `close` when it follows `at` (past blanks), else `at`. */
  const after = (at: number, close: string) => { let i = at; while (/\s/.test(text[i] ?? '')) i++; return text[i] === close ? i + 1 : at; };
  const before = (at: number, open: string) => { let i = at; while (/\s/.test(text[i - 1] ?? '')) i--; return text.slice(i - open.length, i) === open ? i - open.length : at; };
  const visit = (n: MathNode): Span | undefined => {
    if (spans.has(n)) return spans.get(n);
    const kids: Span[] = [];
    n.forEach((c) => { const s = visit(c); if (s) kids.push(s); });
    if (kids.length === 0) return undefined;
    let start = Math.min(...kids.map((k) => k.start)), end = Math.max(...kids.map((k) => k.end));
    if (n.type === 'FunctionNode') end = after(end, ')');
    if (n.type === 'ParenthesisNode') { start = before(start, '('); end = after(end, ')'); }
    if (n.type === 'ArrayNode') { start = before(start, '['); end = after(end, ']'); }
    const op = n.type === 'OperatorNode' ? (n as unknown as { fn: string; op: string; args: unknown[] }) : undefined;
    if (op && op.args.length === 1 && op.fn !== 'factorial' && op.fn !== 'ctranspose') start = before(start, op.op);
    const span = { start, end };
    spans.set(n, span);
    return span;
  };
  visit(root);
  return spans;
}

type Value = Term | number;
type Fn = (b: Builder, node: MathNode, args: readonly MathNode[]) => Value | Reduction;

const math1 = (f: (x: TermLike) => Term): Fn => (b, node, args) => { b.arity(node, args, 1); return f(b.value(args[0]!)); };
const math2 = (f: (x: TermLike, y: TermLike) => Term): Fn => (b, node, args) => { b.arity(node, args, 2); return f(b.value(args[0]!), b.value(args[1]!)); };
const folded = (f: (x: TermLike, y: TermLike) => Term): Fn => (b, node, args) => {
  if (args.length < 2) b.fail(node, `${fnName(node)} takes 2 or more arguments, got ${args.length}`);
  return args.slice(1).reduce<TermLike>((acc, a) => f(acc, b.value(a)), b.value(args[0]!)) as Value;
};
const castTo = (dtype: DType): Fn => (b, node, args) => { b.arity(node, args, 1); return T.cast(dtype, b.value(args[0]!)); };
const reduceWith = (r: typeof sum): Fn => (b, node, args) => {
  b.arity(node, args, 2);
  return r(b.value(args[0]!), b.reductionAxes(args[1]!));
};
/** A dtype given as a string constant, the second argument of cast and reinterpret. */
function dtypeArg(b: Builder, node: MathNode): DType {
  const n = unwrap(node);
  const v = n.type === 'ConstantNode' ? (n as unknown as { value: unknown }).value : undefined;
  if (typeof v !== 'string' || !isDType(v) || v === 'bool') b.fail(node, `expected a dtype in quotes ("f32", "u16", ...), got ${node.toString()}`);
  return v as DType;
}

/** The DSL's functions, by name. */
const FUNCTIONS: Readonly<Record<string, Fn>> = {
  exp: math1(T.exp), log: math1(T.log), sqrt: math1(T.sqrt), abs: math1(T.abs), floor: math1(T.floor), ceil: math1(T.ceil),
  round: math1(T.round), trunc: math1(T.trunc), sin: math1(T.sin), cos: math1(T.cos), tan: math1(T.tan), tanh: math1(T.tanh),
  sigmoid: math1(T.sigmoid), erf: math1(T.erf), pow: math2(T.pow), atan2: math2(T.atan2),
  min: folded(T.min), max: folded(T.max),
  clamp: (b, node, args) => { b.arity(node, args, 3); return T.clamp(b.value(args[0]!), b.value(args[1]!), b.value(args[2]!)); },
  select: (b, node, args) => { b.arity(node, args, 3); return T.select(b.value(args[0]!), b.value(args[1]!), b.value(args[2]!)); },
  cast: (b, node, args) => { b.arity(node, args, 2); return T.cast(dtypeArg(b, args[1]!), b.value(args[0]!)); },
  reinterpret: (b, node, args) => {
    b.arity(node, args, 2);
    const x = b.value(args[0]!);
    if (!(x instanceof Term)) b.fail(args[0]!, 'reinterpret needs a typed value, not a number literal; cast the literal first');
    return (x as Term).reinterpret(dtypeArg(b, args[1]!));
  },
  f32: castTo('f32'), f64: castTo('f64'), i32: castTo('i32'), u32: castTo('u32'), i16: castTo('i16'), u16: castTo('u16'), i8: castTo('i8'), u8: castTo('u8'),
};
/** The reductions, allowed only as a stage's whole definition. */
const REDUCTIONS: Readonly<Record<string, Fn>> = { sum: reduceWith(sum), product: reduceWith(product), maximum: reduceWith(maximum), minimum: reduceWith(minimum) };
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI };

type BinaryOp = (a: TermLike, b: TermLike) => Term;
const method = (m: 'and' | 'or' | 'xor' | 'shl' | 'shr' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'): BinaryOp => (a, b) => lift(a, b instanceof Term ? b.dtype : undefined)[m](b);
/** mathjs operator names -> Tessera; the ones that fold two literals in JavaScript numbers say how. */
const BINARY: Readonly<Record<string, { readonly op: BinaryOp; readonly js?: (a: number, b: number) => number }>> = {
  add: { op: T.add, js: (a, b) => a + b },
  subtract: { op: T.sub, js: (a, b) => a - b },
  multiply: { op: T.mul, js: (a, b) => a * b },
  dotMultiply: { op: T.mul, js: (a, b) => a * b },
  divide: { op: T.div, js: (a, b) => a / b },
  dotDivide: { op: T.div, js: (a, b) => a / b },
  mod: { op: T.mod },
  pow: { op: T.pow },
  dotPow: { op: T.pow },
  smaller: { op: method('lt') }, larger: { op: method('gt') }, smallerEq: { op: method('le') }, largerEq: { op: method('ge') },
  equal: { op: method('eq') }, unequal: { op: method('ne') },
  and: { op: method('and') }, or: { op: method('or') }, xor: { op: method('xor') },
  bitAnd: { op: method('and') }, bitOr: { op: method('or') }, bitXor: { op: method('xor') },
  leftShift: { op: method('shl') }, rightArithShift: { op: method('shr') },
};

function unwrap(n: MathNode): MathNode {
  while (n.type === 'ParenthesisNode') n = (n as unknown as { content: MathNode }).content;
  return n;
}
const fnName = (n: MathNode): string => {
  const fn = (n as unknown as { fn?: MathNode | string }).fn;
  return typeof fn === 'string' ? fn : fn && fn.type === 'SymbolNode' ? (fn as unknown as { name: string }).name : n.toString();
};

/** Turns a parsed definition into Terms; `where` names the definition in errors. */
class Builder {
  constructor(
    private readonly text: string,
    private readonly names: ReadonlyMap<string, InfixValue>,
    private readonly spans: ReadonlyMap<MathNode, Span>,
    private readonly where: string,
  ) {}

  fail(node: MathNode, message: string): never {
    const span = this.spans.get(node);
    const at = span ? `, column ${span.start + 1}` : '';
    throw new DefinitionError(`${this.where}${at}: ${message}\n${span ? pointAt(this.text, span) : `  ${this.text}`}`);
  }

  /** Runs `f`, giving a DefinitionError of the Term API the position of `node`. */
  private at<R>(node: MathNode, f: () => R): R {
    try {
      return f();
    } catch (e) {
      if (e instanceof DefinitionError && !e.message.startsWith(this.where)) this.fail(node, e.message);
      throw e;
    }
  }

  arity(node: MathNode, args: readonly MathNode[], n: number): void {
    if (args.length !== n) this.fail(node, `${fnName(node)} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  }

  /** The whole definition: a value, or a reduction when it is one. */
  definition(node: MathNode): TermLike | Reduction {
    const n = unwrap(node);
    const name = n.type === 'FunctionNode' ? fnName(n) : '';
    if (Object.hasOwn(REDUCTIONS, name) && !this.names.has(name)) {
      return this.at(n, () => REDUCTIONS[name]!(this, n, (n as unknown as { args: MathNode[] }).args) as Reduction);
    }
    return this.value(node);
  }

  value(node: MathNode): Value {
    return this.at(node, () => this.node(node)) as Value;
  }

  private node(node: MathNode): Value | Reduction {
    switch (node.type) {
      case 'ParenthesisNode': return this.value((node as unknown as { content: MathNode }).content);
      case 'ConstantNode': return this.constant(node, (node as unknown as { value: unknown }).value);
      case 'SymbolNode': return this.symbol(node, (node as unknown as { name: string }).name);
      case 'OperatorNode': return this.operator(node as unknown as MathNode & { fn: string; op: string; args: MathNode[]; implicit: boolean });
      case 'RelationalNode': {
        const r = node as unknown as { conditionals: string[]; params: MathNode[] };
        const values = r.params.map((p) => this.value(p));
        const parts = r.conditionals.map((c, i) => this.at(node, () => BINARY[c]!.op(values[i]!, values[i + 1]!)));
        return parts.reduce((a, b) => a.and(b));
      }
      case 'ConditionalNode': {
        const c = node as unknown as { condition: MathNode; trueExpr: MathNode; falseExpr: MathNode };
        const cond = this.value(c.condition), t = this.value(c.trueExpr), f = this.value(c.falseExpr);
        return this.at(node, () => T.select(cond, t, f));
      }
      case 'FunctionNode': return this.call(node);
      case 'ArrayNode': return this.fail(node, 'a list [a, b] is only the reduction axes of sum, product, maximum or minimum');
      case 'AccessorNode': case 'IndexNode': return this.fail(node, 'indexing with [ ] or . is not part of definitions; read stages and inputs by call syntax: input(y, x)');
      case 'AssignmentNode': case 'FunctionAssignmentNode': return this.fail(node, 'an assignment can only be the header of a definition: name(y, x) = ...');
      case 'RangeNode': return this.fail(node, 'ranges (a:b) are not part of definitions; reduction axes come from reduceAxis');
      default: return this.fail(node, `${node.type.replace(/Node$/, '').toLowerCase()} expressions are not part of definitions`);
    }
  }

  private constant(node: MathNode, v: unknown): Value {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return new Term(v ? ir.TRUE : ir.FALSE);
    if (typeof v === 'string') return this.fail(node, `a string is only the dtype argument of cast or reinterpret: cast(x, ${JSON.stringify(v)})`);
    return this.fail(node, `${String(v)} is not a value of a definition`);
  }

  private symbol(node: MathNode, name: string): Value {
    const v = this.names.get(name);
    if (v !== undefined) {
      if (isIndexable(v)) return this.fail(node, `${name} is a ${v.ndim}-dimensional stage or input: read it by call syntax, ${name}(${Array.from({ length: v.ndim }, (_, i) => `i${i}`).join(', ')})`);
      return v;
    }
    if (Object.hasOwn(CONSTANTS, name)) return CONSTANTS[name]!;
    if (Object.hasOwn(FUNCTIONS, name)) return this.fail(node, `${name} is a function: call it, ${name}(...)`);
    return this.fail(node, `unknown name ${name}; ${this.scope()}`);
  }

  private scope(): string {
    const values = [...this.names.entries()].filter(([, v]) => !isIndexable(v)).map(([k]) => k);
    const funcs = [...this.names.entries()].filter(([, v]) => isIndexable(v)).map(([k]) => k);
    return `the names in scope are ${values.length ? values.join(', ') : '(none)'}; stages and inputs: ${funcs.length ? funcs.join(', ') : '(none)'}`;
  }

  private operator(node: MathNode & { fn: string; op: string; args: MathNode[]; implicit: boolean }): Value {
    const { fn, args } = node;
    if (node.implicit) return this.fail(node, `implicit multiplication: write the operator, ${args.map((a) => a.toString()).join(' * ')}`);
    if (args.length === 1) {
      const a = this.value(args[0]!);
      switch (fn) {
        case 'unaryMinus': return typeof a === 'number' ? -a : this.at(node, () => a.neg());
        case 'unaryPlus': return a;
        case 'not': return this.at(node, () => lift(a, 'bool').not());
        case 'bitNot': return this.at(node, () => { const t = lift(a); return t.dtype === 'bool' ? t.not() : t.xor(-1); });
        default: return this.fail(node, `the operator ${node.op} (${fn}) is not part of definitions`);
      }
    }
    const a = this.value(args[0]!), b = this.value(args[1]!);
    if (fn === 'rightLogShift') {
      return this.at(node, () => {
        const t = a instanceof Term ? a : lift(a, b instanceof Term ? b.dtype : undefined);
        if (isFloat(t.dtype) || !['u8', 'u16', 'u32'].includes(t.dtype)) throw new DefinitionError(`>>> is a logical shift, which Tessera's >> is on unsigned types only (u8, u16, u32), not on ${t.dtype}: cast to an unsigned type and use >>`);
        return t.shr(b);
      });
    }
    const entry = BINARY[fn];
    if (!entry) return this.fail(node, `the operator ${node.op} (${fn}) is not part of definitions`);
    if (entry.js && typeof a === 'number' && typeof b === 'number') return entry.js(a, b);
    return this.at(node, () => entry.op(a, b));
  }

  private call(node: MathNode): Value | Reduction {
    const f = (node as unknown as { fn: MathNode; args: MathNode[] });
    if (f.fn.type !== 'SymbolNode') return this.fail(node, `only names can be called: ${f.fn.toString()}(...) is not a stage, an input or a function`);
    const name = (f.fn as unknown as { name: string }).name;
    const v = this.names.get(name);
    if (v !== undefined) {
      if (!isIndexable(v)) return this.fail(f.fn, `${name} is a value, not a stage, an input or a function`);
      const idx = f.args.map((a) => this.value(a));
      return this.at(node, () => v.at(...idx));
    }
    if (Object.hasOwn(REDUCTIONS, name)) return this.fail(node, `${name}(...) is a reduction: it can only be the whole definition of a stage`);
    const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!fn) return this.fail(f.fn, `unknown function ${name}; the functions are ${Object.keys(FUNCTIONS).join(', ')} and the reductions ${Object.keys(REDUCTIONS).join(', ')}; ${this.scope()}`);
    return this.at(node, () => fn(this, node, f.args));
  }

  /** The reduction axes of sum(value, k) or sum(value, [ry, rx]). */
  reductionAxes(node: MathNode): ReduceAxis[] {
    const n = unwrap(node);
    const items = n.type === 'ArrayNode' ? (n as unknown as { items: MathNode[] }).items : [n];
    return items.map((item) => {
      const v = unwrap(item).type === 'SymbolNode' ? this.names.get((unwrap(item) as unknown as { name: string }).name) : undefined;
      if (!(v instanceof ReduceAxis)) this.fail(item, `${item.toString()} is not a reduction axis (make one with reduceAxis and pass it by name)`);
      return v as ReduceAxis;
    });
  }
}

/**
 * A parsed definition: the text (with interpolated values shown by name), its optional header
 * `name(y, x) = ...`, and the values a template interpolated. Built by `infix` or `expr`; turned into
 * Terms by `term`, or by `compute` as a stage's definition.
 */
export class Infix {
  /** The stage name of the header, if the text has one. */
  readonly stageName?: string;
  /** The axis names of the header, if the text has one. */
  readonly axisNames?: readonly string[];
  private readonly body: MathNode;
  private readonly spans: ReadonlyMap<MathNode, Span>;

  /**
   * @param text the definition
   * @param values names the text uses for interpolated values (expr)
   * @throws DefinitionError on a parse error (with its column and a caret line) or a bad header
   */
  constructor(readonly text: string, private readonly values: ReadonlyMap<string, InfixValue> = new Map()) {
    if (typeof text !== 'string' || text.trim() === '') throw new DefinitionError(`a definition must be a non-empty string, got ${JSON.stringify(text)}`);
    let root: MathNode;
    try {
      root = parse(text);
    } catch (e) {
      const char = (e as { char?: number }).char;
      const message = (e as Error).message.replace(/ \(char \d+\)$/, '');
      if (typeof char !== 'number') throw new DefinitionError(`cannot parse the definition: ${message}\n  ${text}`);
      throw new DefinitionError(`parse error at column ${char}: ${message}\n${pointAt(text, { start: char - 1, end: char })}`);
    }
    let skip = 0;
    if (root.type === 'FunctionAssignmentNode') {
      const h = root as unknown as { name: string; params: string[]; expr: MathNode };
      this.stageName = h.name;
      this.axisNames = [...h.params];
      skip = 1 + h.params.length;
      root = h.expr;
    }
    this.body = root;
    this.spans = nodeSpans(text, root, skip);
  }

  /**
   * The definition's value with its names bound: interpolated values first, then `env`.
   * @param where names the definition in errors (default: "definition")
   * @returns a Term, a number (a literal alone), or a Reduction when the text is sum(...), ...
   * @throws DefinitionError (with the column) on an unknown name, a wrong arity, a dtype error
   */
  build(env: ReadonlyMap<string, InfixValue> | InfixEnv = {}, where = 'definition'): TermLike | Reduction {
    const names = new Map(this.values);
    for (const [k, v] of env instanceof Map ? env : Object.entries(env)) {
      if (names.has(k) && names.get(k) !== v) throw new DefinitionError(`${where}: ${k} is both interpolated and in the environment`);
      names.set(k, v);
    }
    return new Builder(this.text, names, this.spans, where).definition(this.body);
  }

  /**
   * The Term the text denotes (not a reduction: those are stage definitions, see compute).
   * @throws DefinitionError as `build`, and for a header or a reduction
   */
  term(env: InfixEnv = {}): Term {
    if (this.stageName !== undefined) throw new DefinitionError(`${this.text}: a header ${this.stageName}(...) = belongs to a stage definition (compute)`);
    const v = this.build(env);
    if (v instanceof Reduction) throw new DefinitionError(`${this.text}: a reduction is the definition of a stage; pass it to compute`);
    return lift(v);
  }
}

/**
 * Parses `text` as a definition (see the file's comment for the language).
 * @throws DefinitionError on a parse error, with the column and a caret line
 */
export function infix(text: string): Infix {
  return new Infix(text);
}

/** `infix(text)` for the stage `stage`, whose name its parse errors then give. */
export function infixFor(stage: string, text: string): Infix {
  try {
    return new Infix(text);
  } catch (e) {
    if (e instanceof DefinitionError) throw new DefinitionError(`stage ${stage}: ${e.message}`);
    throw e;
  }
}

/**
 * A definition as a template literal: `` expr`(${e}(y, x - 1) + ${e}(y, x) + ${e}(y, x + 1)) / 3` ``.
 * Interpolated stages, inputs and Terms keep their names in the text (a number its literal), unless
 * the name is taken; names left bare (y, x above) are bound by compute (the stage's axes) or `term`.
 * @throws DefinitionError on a parse error, or when an interpolated value is neither a Term, a
 *   number, a stage nor an input
 */
export function expr(strings: TemplateStringsArray, ...values: unknown[]): Infix {
  const names = new Map<string, InfixValue>();
  const byValue = new Map<unknown, string>();
  const nameOf = (v: unknown, i: number): string => {
    if (typeof v === 'number') return Object.is(v, -0) ? '(-0)' : Number.isFinite(v) ? `(${String(v)})` : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '(-Infinity)';
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'string') return JSON.stringify(v);
    if (!(v instanceof Term) && !isIndexable(v)) throw new DefinitionError(`expr: the value interpolated at \${${i}} is ${v === null ? 'null' : typeof v}; interpolate Terms, numbers, stages and inputs`);
    const known = byValue.get(v);
    if (known) return known;
    const own = isIndexable(v) ? v.name : v.expr.kind === 'var' ? v.expr.v.name : undefined;
    const name = own !== undefined && !names.has(own) && !Object.hasOwn(FUNCTIONS, own) && !Object.hasOwn(REDUCTIONS, own) && !Object.hasOwn(CONSTANTS, own) && !KEYWORDS.has(own) ? own : `$${i}`;
    names.set(name, v as InfixValue);
    byValue.set(v, name);
    return name;
  };
  let text = strings[0]!;
  values.forEach((v, i) => { text += nameOf(v, i) + strings[i + 1]!; });
  return new Infix(text, names);
}
