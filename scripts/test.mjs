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
 *   `not ok N - title`         failed (also uncaught errors and test files that crashed)
 * Exits non-zero when a test failed or ava itself exited non-zero (e.g. no test files matched).
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

/** Counts one line of the TAP stream into `counts`. Only unindented test lines count. */
function countLine(line, counts) {
  const m = TEST_LINE.exec(line);
  if (!m) return;
  if (DIRECTIVE.test(line)) counts.skipped++;
  else if (m[1] === 'ok') counts.passed++;
  else counts.failed++;
}

// CI machines have no GPU: the WebGPU tests run Dawn on SwiftShader's Vulkan driver, which Debian's
// chromium package installs. Set VK_ICD_FILENAMES yourself to use another driver.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env = { ...process.env };
if (env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const counts = { passed: 0, failed: 0, skipped: 0 };
const child = spawn(process.execPath, [avaCli(), '--tap', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: ['inherit', 'pipe', 'inherit'],
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
  const summary = `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
  if (code !== 0 && counts.failed === 0) {
    console.error(`test: ava exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
  }
  process.stdout.write(`${endsWithNewline ? '' : '\n'}${summary}\n`);
  process.exitCode = counts.failed > 0 || code !== 0 ? 1 : 0;
});
