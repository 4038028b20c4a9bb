/**
 * The test runner (scripts/test.mjs) on fixture test files: its closing line counts the tests that
 * never ran because a `before` hook failed as failed, a todo as skipped, and agrees with ava's own
 * totals; it exits non-zero when anything failed. Tests that need Chromium where there is none are
 * skipped, the reason and the remedy said before the count line, except under CI=true, where they run.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function runRunner(files: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['scripts/test.mjs', ...files], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'false', ...env } });
  const lines = r.stdout.trimEnd().split('\n');
  const total = (key: string) => Number(/^# (\w+) (\d+)$/.exec(lines.find((l) => l.startsWith(`# ${key} `)) ?? '')?.[2] ?? NaN);
  return { status: r.status, closing: lines.at(-1), stdout: r.stdout, stderr: r.stderr, total };
}

test('a failed before hook counts the tests it kept from running as failed, in agreement with ava', (t) => {
  const r = runRunner(['tests/fixtures/runner/hook_fails.fixture.ts']);
  t.regex(r.stdout, /^not ok \d+ - before hook$/m, 'the hook failure is reported');
  t.regex(r.stdout, /^# 2 tests remaining in tests\/fixtures\/runner\/hook_fails\.fixture\.ts$/m);
  t.is(r.closing, '0 passed, 2 failed, 1 skipped');
  t.is(r.total('pass'), 0);
  t.is(r.total('fail'), 2, "ava's own total");
  t.is(r.status, 1);
});

test('passing, known-failing, failing, skipped and todo tests across files', (t) => {
  const r = runRunner(['tests/fixtures/runner/hook_fails.fixture.ts', 'tests/fixtures/runner/mixed.fixture.ts']);
  t.is(r.closing, '2 passed, 3 failed, 2 skipped');
  t.is(r.total('pass'), 2);
  t.is(r.total('skip'), 1);
  t.is(r.total('fail'), 4, 'ava counts the todo as failed; the runner as skipped');
  t.notRegex(r.stderr, /the counts disagree/);
  t.is(r.status, 1);
});

test('without Chromium its tests are skipped with the reason and the remedy; under CI=true they run and fail', (t) => {
  const nowhere = { TESSERA_CHROMIUM: '/nonexistent/chromium' };
  const r = runRunner(['tests/fixtures/runner/needs_browser.fixture.ts'], nowhere);
  t.is(r.closing, '0 passed, 0 failed, 2 skipped');
  const lines = r.stdout.trimEnd().split('\n');
  t.is(lines.at(-2), 'skipped in tests/fixtures/runner/needs_browser.fixture.ts: these tests need headless Chromium: there is no Chromium at /nonexistent/chromium. To run them: install Chromium (apt-get install -y chromium), or point TESSERA_CHROMIUM at a Chromium binary; CI=true makes them required.');
  t.is(r.status, 0);
  const ci = runRunner(['tests/fixtures/runner/needs_browser.fixture.ts'], { ...nowhere, CI: 'true' });
  t.is(ci.closing, '0 passed, 2 failed');
  t.regex(ci.stdout, /^not ok \d+ - before hook/m);
  t.is(ci.status, 1);
});
