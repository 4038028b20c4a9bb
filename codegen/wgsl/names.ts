/**
 * WGSL identifiers for IR variables and buffers: names made of [A-Za-z0-9_], never a WGSL keyword,
 * reserved word or builtin we call (WGSL §15.1-15.3), unique per shader (a suffix when two IR
 * objects share a name, as the loops of two nests of one stage do).
 */
const RESERVED = new Set([
  // keywords and types
  'alias', 'break', 'case', 'const', 'const_assert', 'continue', 'continuing', 'default', 'diagnostic', 'discard', 'else', 'enable', 'false', 'fn', 'for', 'if', 'let', 'loop', 'override', 'requires', 'return', 'struct', 'switch', 'true', 'var', 'while',
  'array', 'atomic', 'bool', 'f16', 'f32', 'i32', 'u32', 'mat2x2', 'mat3x3', 'mat4x4', 'ptr', 'sampler', 'vec2', 'vec3', 'vec4', 'function', 'private', 'workgroup', 'uniform', 'storage', 'read', 'write', 'read_write',
  // reserved words most likely to collide with stage names
  'NULL', 'Self', 'abstract', 'active', 'as', 'asm', 'async', 'attribute', 'auto', 'await', 'become', 'cast', 'catch', 'class', 'co_await', 'co_return', 'co_yield', 'coherent', 'column_major', 'common', 'compile', 'concept', 'constexpr', 'constinit', 'crate', 'debugger', 'decltype', 'delete', 'demote', 'do', 'dynamic_cast', 'enum', 'explicit', 'export', 'extends', 'extern', 'external', 'fallthrough', 'filter', 'final', 'finally', 'friend', 'from', 'fxgroup', 'get', 'goto', 'groupshared', 'highp', 'impl', 'implements', 'import', 'inline', 'instanceof', 'interface', 'layout', 'lowp', 'macro', 'match', 'mediump', 'meta', 'mod', 'module', 'move', 'mut', 'mutable', 'namespace', 'new', 'nil', 'noexcept', 'noinline', 'nointerpolation', 'non_coherent', 'noncoherent', 'noperspective', 'null', 'nullptr', 'of', 'operator', 'package', 'packoffset', 'partition', 'pass', 'patch', 'pixelfragment', 'precise', 'precision', 'premerge', 'priv', 'protected', 'pub', 'public', 'readonly', 'ref', 'regardless', 'register', 'reinterpret_cast', 'require', 'resource', 'restrict', 'self', 'set', 'shared', 'sizeof', 'smooth', 'snorm', 'static', 'static_assert', 'static_cast', 'std', 'subroutine', 'super', 'target', 'template', 'this', 'thread_local', 'throw', 'trait', 'try', 'type', 'typedef', 'typeid', 'typename', 'typeof', 'union', 'unless', 'unorm', 'unsafe', 'unsized', 'use', 'using', 'varying', 'virtual', 'volatile', 'wgsl', 'where', 'with', 'writeonly', 'yield',
  // builtins and names the generated shaders use
  'select', 'min', 'max', 'abs', 'exp', 'log', 'sqrt', 'floor', 'ceil', 'round', 'trunc', 'sin', 'cos', 'tan', 'tanh', 'pow', 'atan2', 'bitcast', 'main', 'params', 'Params', 'workgroup_id', 'local_id', 'workgroupBarrier', 'storageBarrier', 'atomicLoad', 'atomicAnd', 'atomicOr',
]);

export class WgslNames {
  private readonly names = new Map<object, string>();
  private readonly used = new Set<string>();

  /** The identifier of `owner` (a Var or Buffer), made on first use from `hint`. */
  of(owner: object, hint: string): string {
    const had = this.names.get(owner);
    if (had) return had;
    let base = hint.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '');
    if (!/^[A-Za-z]/.test(base)) base = `v${base}`;
    if (RESERVED.has(base) || base.startsWith('tsr_')) base = `${base}_`;
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    this.names.set(owner, name);
    return name;
  }

  /** A fresh temporary. */
  temp(hint = 't'): string {
    return this.of({}, `${hint}`);
  }
}
