/**
 * Machine-readable error codes: every ScheduleError and CodegenError constructed anywhere in the
 * compiler names a code of its table, every code of the tables is used and documented, and refusals
 * met in practice carry the code they should (the tuner classes candidates by code, never by text).
 */
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEDULE_ERROR_CODES, ScheduleError } from '../schedule/error.js';
import { CODEGEN_ERROR_CODES } from '../codegen/error.js';
import { Schedule } from '../schedule/schedule.js';
import { compile } from '../tessera.js';
import { blurU16, matmul } from './helpers/pipelines.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', 'tests', 'dist', 'results', 'scratch', 'out', '.git']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return SKIP.has(n) ? [] : sources(p);
    return n.endsWith('.ts') ? [p] : [];
  });
}

/** `new Class(` occurrences in the compiler's sources, with the code literal each passes first. */
function constructions(cls: RegExp): { where: string; code: string | undefined }[] {
  const out: { where: string; code: string | undefined }[] = [];
  for (const f of sources(root)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(new RegExp(`new (?:${cls.source})\\(\\s*('([a-z0-9-]+)')?`, 'g'))) {
      const line = text.slice(0, m.index).split('\n').length;
      out.push({ where: `${relative(root, f)}:${line}`, code: m[2] });
    }
  }
  return out;
}

test('every ScheduleError in the sources is built with a code literal from SCHEDULE_ERROR_CODES, and every code is used', (t) => {
  const made = constructions(/ScheduleError/);
  t.true(made.length > 90, `${made.length} constructions found`);
  const bad = made.filter((m) => m.code === undefined || !(m.code in SCHEDULE_ERROR_CODES));
  t.deepEqual(bad, [], 'constructions without a known code literal');
  const used = new Set(made.map((m) => m.code));
  t.deepEqual(Object.keys(SCHEDULE_ERROR_CODES).filter((c) => !used.has(c)), [], 'codes no construction uses');
});

test('every CodegenError in the sources is built with a code literal from CODEGEN_ERROR_CODES, and every code is used', (t) => {
  const made = constructions(/CodegenError|WgslCodegenError/);
  t.true(made.length > 25, `${made.length} constructions found`);
  t.deepEqual(made.filter((m) => m.code === undefined || !(m.code in CODEGEN_ERROR_CODES)), []);
  const used = new Set(made.map((m) => m.code));
  t.deepEqual(Object.keys(CODEGEN_ERROR_CODES).filter((c) => !used.has(c)), []);
});

test('docs/primitives.md lists every code with its meaning', (t) => {
  const doc = readFileSync(join(root, 'docs/primitives.md'), 'utf8');
  for (const [code, meaning] of [...Object.entries(SCHEDULE_ERROR_CODES), ...Object.entries(CODEGEN_ERROR_CODES)]) {
    t.true(doc.includes(`| \`${code}\` | ${meaning.replace(/\|/g, '\\|')} |`), `${code} is not documented as in the table`);
  }
});

function codeOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return e instanceof ScheduleError ? e.code : `not a ScheduleError: ${(e as Error).message}`; }
  return undefined;
}

test('refusals carry the code of their kind, from primitives and from lowering', (t) => {
  const blur = blurU16();
  const fresh = () => new Schedule(blur.pipeline);
  const mm = matmul();
  t.is(codeOf(() => fresh().stage('blur_z')), 'no-such-stage');
  t.is(codeOf(() => fresh().stage('input')), 'no-such-stage');
  t.is(codeOf(() => fresh().stage('blur_y').split('z', 4)), 'no-such-loop');
  t.is(codeOf(() => fresh().stage('blur_y').split('x', 0)), 'bad-factor');
  t.is(codeOf(() => fresh().stage('blur_y').split('x', 8, { outer: 'y' })), 'name-taken');
  t.is(codeOf(() => fresh().stage('blur_y').reorder('x', 'x')), 'listed-twice');
  t.is(codeOf(() => fresh().stage('blur_y').fuse('y', 'y')), 'fuse-not-adjacent');
  t.is(codeOf(() => fresh().stage('blur_y').vectorize('x', 128)), 'vector-too-wide');
  t.is(codeOf(() => fresh().stage('blur_y').computeInline()), 'output-location');
  t.is(codeOf(() => fresh().apply({ op: 'frobnicate', stage: 'blur_y' } as never)), 'unknown-instruction');
  t.is(codeOf(() => new Schedule(mm.pipeline).stage('C').vectorize('k')), 'reduction-axis');
  t.is(codeOf(() => new Schedule(mm.pipeline).stage('C').split('k', 4, { tail: 'round_up' })), 'tail-outside-domain');
  t.is(codeOf(() => { const s = fresh(); s.stage('blur_x').computeAt('blur_y', 'y'); s.stage('blur_y').split('y', 8); compile(blur.pipeline, s); }), 'site-gone');
  t.is(codeOf(() => { const s = fresh(); s.stage('blur_y').vectorize('x'); compile(blur.pipeline, s); }), 'non-constant-extent');
  t.is(codeOf(() => { const s = fresh(); s.stage('blur_x').bound('y', 0, 8); compile(blur.pipeline, s); }), 'outside-bound');
  t.is(codeOf(() => { const s = fresh(); s.stage('blur_y').split('y', 4); s.stage('blur_y').parallel('yi'); s.stage('blur_x').computeAt('blur_y', 'yi'); s.stage('blur_x').storeAt('blur_y', 'yo'); compile(blur.pipeline, s); }), 'parallel-race');
});
