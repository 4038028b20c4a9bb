#!/usr/bin/env node
/**
 * Runs the test suite with ava's TAP reporter, streaming its output, and ends with one count line:
 *
 *   N passed, N failed[, N skipped]
 *
 * Usage: node scripts/test.mjs [ava arguments...]   (npm test -- --match '*blur*' tests/foo.test.ts)
 *
 * Counting, from the TAP stream on ava's stdout (ava writes the tests' own console output to stderr):
 *   `ok N - title`             passed (includes a test.failing test that failed, as expected)
 *   `ok N - title # SKIP`      skipped (test.skip)
 *   `not ok N - title # TODO`  skipped (test.todo)
 *   `not ok N - title`         failed (a test, an uncaught error, a test file that crashed, a hook)
 *   `# K tests remaining in F` K failed: tests of F that never ran (a `before` hook failed)
 * A failed hook stands on its own `not ok` line, and the tests it kept from running are counted
 * through the "remaining" line, as ava's own totals count them (`# pass`, `# skip`, `# fail` at the
 * end; ava counts a todo as failed, this line as skipped). When those totals disagree with the
 * lines, the runner says so and fails.
 * Tests that need WebGPU or Chromium where neither is installed are skipped (tests/helpers/
 * environment.ts); each such file says why on stderr in a line starting `tessera-test-skip:`, and
 * those reasons are repeated, once each, just before the count line. Under CI=true none is skipped.
 * Exits non-zero when a test failed, a line was `not ok`, or ava itself exited non-zero.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The path of ava's command-line entry point in this project's node_modules. */
function avaCli() {
  const pkgPath = join(root, 'node_modules', 'ava', 'package.json');
  if (!existsSync(pkgPath)) {
    console.error('test: ava is not installed; run `npm ci` first');
    process.exit(1);
  }
  const { bin } = JSON.parse(readFileSync(pkgPath, 'utf8'));
  return join(root, 'node_modules', 'ava', typeof bin === 'string' ? bin : bin.ava);
}

const TEST_LINE = /^(not ok|ok)\b/;
const DIRECTIVE = /\s#\s*(SKIP|TODO)\b[^#]*$/i;
const REMAINING = /^# (\d+) tests? remaining in /;
const TOTAL = /^# (pass|fail|skip) (\d+)$/;

/** Counts one line of the TAP stream into `counts`. Only unindented lines count. */
function countLine(line, counts) {
  const remaining = REMAINING.exec(line);
  if (remaining) { counts.remaining += Number(remaining[1]); return; }
  const total = TOTAL.exec(line);
  if (total) { counts.totals[total[1]] = Number(total[2]); return; }
  const m = TEST_LINE.exec(line);
  if (!m) return;
  const directive = DIRECTIVE.exec(line)?.[1]?.toUpperCase();
  if (directive === 'SKIP') counts.skipped++;
  else if (directive === 'TODO') counts.todo++;
  else if (m[1] === 'ok') counts.passed++;
  else counts.notOk++;
}

/**
 * The closing counts: ava's totals where it printed them (checked against the lines), the lines
 * otherwise (ava stopped before its summary).
 * @returns the counts and the disagreements found, if any
 */
function summarize(counts) {
  const { totals } = counts;
  const skipped = counts.skipped + counts.todo;
  if (totals.pass === undefined || totals.fail === undefined) {
    return { passed: counts.passed, failed: counts.notOk + counts.remaining, skipped, problems: [] };
  }
  const failed = totals.fail - counts.todo;
  const problems = [];
  if (totals.pass !== counts.passed) problems.push(`ava counts ${totals.pass} passed, the TAP lines ${counts.passed}`);
  if ((totals.skip ?? 0) !== counts.skipped) problems.push(`ava counts ${totals.skip ?? 0} skipped, the TAP lines ${counts.skipped}`);
  if (failed < counts.remaining) problems.push(`ava counts ${failed} failed, fewer than the ${counts.remaining} tests that never ran`);
  return { passed: counts.passed, failed, skipped, problems };
}

// CI machines have no GPU: the WebGPU tests run Dawn on SwiftShader's Vulkan driver, which Debian's
// chromium package installs. Set VK_ICD_FILENAMES yourself to use another driver.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env = { ...process.env };
if (env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const counts = { passed: 0, notOk: 0, skipped: 0, todo: 0, remaining: 0, totals: {} };
const child = spawn(process.execPath, [avaCli(), '--tap', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: ['inherit', 'pipe', 'pipe'],
});

/** Why tests were skipped: the text after `tessera-test-skip: FILE: `, with the files that gave it. */
const SKIP_MARKER = /^tessera-test-skip: (\S+): (.*)$/;
const skipReasons = new Map();
let pendingErr = '';
child.stderr.setEncoding('utf8');
child.stderr.on('data', (chunk) => {
  process.stderr.write(chunk);
  const lines = (pendingErr + chunk).split('\n');
  pendingErr = lines.pop();
  for (const line of lines) {
    const m = SKIP_MARKER.exec(line.replace(/\r$/, ''));
    if (m) skipReasons.set(m[2], [...(skipReasons.get(m[2]) ?? []), m[1]]);
  }
});

let pending = '';
let endsWithNewline = true;
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  endsWithNewline = chunk.endsWith('\n');
  const lines = (pending + chunk).split('\n');
  pending = lines.pop();
  for (const line of lines) countLine(line.replace(/\r$/, ''), counts);
});

// Ctrl-C reaches ava through the terminal's process group; let it stop and report what it has.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

child.on('error', (error) => {
  console.error(`test: cannot start ava: ${error.message}`);
  process.exit(1);
});

child.on('close', (code, signal) => {
  countLine(pending, counts);
  const { passed, failed, skipped, problems } = summarize(counts);
  for (const problem of problems) console.error(`test: the counts disagree: ${problem}`);
  if (code !== 0 && failed === 0) {
    console.error(`test: ava exited with ${signal ? `signal ${signal}` : `code ${code}`}${counts.notOk ? ` (${counts.notOk} line(s) not ok: a failed hook or a crash)` : ''}`);
  }
  const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  let why = '';
  for (const [reason, files] of skipReasons) why += `skipped in ${files.join(', ')}: ${reason.replace(/^skipped, /, '')}\n`;
  process.stdout.write(`${endsWithNewline ? '' : '\n'}${why}${summary}\n`);
  process.exitCode = failed > 0 || counts.notOk > 0 || problems.length > 0 || code !== 0 ? 1 : 0;
});
