/**
 * Tests that need something outside the repository: WebGPU (Dawn on a GPU, or on SwiftShader's Vulkan
 * from Debian's chromium), a headless Chromium, or the large data in ../shared/data (beside the
 * project for developers and CI, not in a clone). Where it is missing they are registered as skipped, and
 * one line on stderr says why and how to enable them (scripts/test.mjs repeats it before its count
 * line). Under CI=true what .ci/run installs (WebGPU on SwiftShader, Chromium) is required: those
 * tests run, and fail if the environment is broken. The data beside the project is not something a
 * fresh clone can install, so its tests skip with their line under CI=true too.
 *
 *   const gpu = await requireGpu();
 *   gpu.test.before(...); gpu.test('...', async (t) => ...);   // ava's test, or every test skipped
 */
import test, { type TestFn } from 'ava';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireGpu } from '../../runtime/webgpu/device.js';
import { CHROMIUM_PATH } from './browser.js';

/** The prefix of the line a skipping file writes to stderr; scripts/test.mjs looks for it. */
export const SKIP_MARKER = 'tessera-test-skip:';

/** What a file's tests need, and whether it is here. */
export interface Requirement {
  /** `test` itself when the requirement is met (or CI=true), else a stand-in that skips every test. */
  readonly test: TestFn;
  readonly available: boolean;
  /** Why it is missing (absent when available). */
  readonly reason?: string;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** CI=true: every test whose requirement .ci/run installs must run. */
const required = () => process.env.CI === 'true';

/**
 * A stand-in for ava's `test` under which every test is registered as skipped (with the same title)
 * and no hook runs: the tests are counted as skipped, not silently dropped.
 */
function skipping(): TestFn {
  const hook = Object.assign(() => {}, { always: () => {} });
  const variant = () => {
    const skip = (title: unknown) => { test.skip(String(title), () => {}); };
    return Object.assign(skip, {
      skip, failing: skip, only: skip, todo: (title: string) => test.todo(title),
      before: hook, after: hook, beforeEach: hook, afterEach: hook,
    });
  };
  return Object.assign(variant(), { serial: variant(), macro: test.macro, meta: test.meta }) as unknown as TestFn;
}

function decide(what: string, reason: string | undefined, enable: string, caller: string, ciInstalls = true): Requirement {
  if (reason === undefined || (ciInstalls && required())) return { test, available: reason === undefined, ...(reason === undefined ? {} : { reason }) };
  const file = relative(REPO, fileURLToPath(caller));
  process.stderr.write(`${SKIP_MARKER} ${file}: skipped, these tests need ${what}: ${reason} To run them: ${enable}${ciInstalls ? '; CI=true makes them required' : ''}.\n`);
  return { test: skipping(), available: false, reason };
}

const GPU_ENABLE = 'without a GPU, install Debian\'s chromium and libvulkan1 (apt-get install -y chromium libvulkan1: Dawn then runs on their SwiftShader Vulkan, and npm test sets VK_ICD_FILENAMES)';
const BROWSER_ENABLE = `install Chromium (apt-get install -y chromium), or point TESSERA_CHROMIUM at a Chromium binary`;

/**
 * WebGPU, probed by acquiring a device (and releasing it).
 * @param caller the test file's import.meta.url, named in the skip line
 */
export async function requireGpu(caller: string): Promise<Requirement> {
  let reason: string | undefined;
  try {
    (await acquireGpu()).destroy();
  } catch (e) {
    reason = (e as Error).message.replace(/ Without a GPU, Dawn can run.*$/, '');
  }
  return decide('WebGPU', reason, GPU_ENABLE, caller);
}

/** The data beside the project (models, photos): ../shared/data from the repository's root. */
export const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

/**
 * Files of ../shared/data.
 * @param files paths under it ('images/mate_LadyBird.jpg')
 * @param caller as for requireGpu
 */
export function requireSharedData(caller: string, ...files: string[]): Requirement {
  const missing = files.filter((f) => !existsSync(`${SHARED_DATA}${f}`));
  const reason = missing.length ? `${missing.map((f) => `${SHARED_DATA}${f}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing.` : undefined;
  return decide('the data in ../shared/data', reason, 'put the repository beside the shared/ folder that holds them (as developers and CI have it)', caller, false);
}

/** Headless Chromium at CHROMIUM_PATH (Debian's, or TESSERA_CHROMIUM). @param caller as for requireGpu */
export function requireBrowser(caller: string): Requirement {
  const reason = existsSync(CHROMIUM_PATH) ? undefined : `there is no Chromium at ${CHROMIUM_PATH}.`;
  return decide('headless Chromium', reason, BROWSER_ENABLE, caller);
}
