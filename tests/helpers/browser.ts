/**
 * Browser checks: serve files from memory on 127.0.0.1 with the headers that make a page cross-origin
 * isolated (so it has SharedArrayBuffer), open a page in headless Chromium through playwright-core,
 * and close both whatever happens. The page's console errors, uncaught errors and failed requests are
 * gathered and appended to any failure, so a broken page explains itself.
 *
 * Page convention: a page reports by setting `window.__result` (or `self.__result`) to a JSON value,
 * or to `{ error: string }` when it failed.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's Chromium, which CI installs, or the binary TESSERA_CHROMIUM names. */
export const CHROMIUM_PATH = process.env.TESSERA_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS: readonly string[] = ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking'];
/** Default limit for loading a page and for it to report (ms). */
export const PAGE_TIMEOUT_MS = 60000;

/** Files by URL path relative to the server root ('index.html', 'js/app.js'): text or bytes. */
export type PageFiles = Readonly<Record<string, string | Uint8Array>>;

export interface BrowserOptions {
  /** Limit for each page operation: launching, loading, waiting for a result (ms; default 60 s). */
  readonly timeoutMs?: number;
  /** The browser to run (default Debian's Chromium) and its command-line switches (default CHROMIUM_ARGS). */
  readonly executablePath?: string;
  readonly args?: readonly string[];
}

/** An open page and what has gone wrong in it so far. */
export interface BrowserPage {
  readonly page: Page;
  /** The entry page's URL. */
  readonly url: string;
  /** Console errors, uncaught errors, failed and unknown requests, in the order they happened. */
  readonly problems: readonly string[];
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8',
  json: 'application/json', wasm: 'application/wasm', wgsl: 'text/plain; charset=utf-8', bin: 'application/octet-stream',
};

/** Headers every response carries: COOP + COEP make the page cross-origin isolated. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Serves `files` on 127.0.0.1 at a free port; a request for anything else is answered 404 and reported. */
async function serve(files: PageFiles, report: (problem: string) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '');
    const body = files[path];
    if (body === undefined && path === 'favicon.ico') {
      res.writeHead(204, ISOLATION_HEADERS).end();
      return;
    }
    if (body === undefined) {
      report(`server: ${req.method} /${path} is not one of the served files (${Object.keys(files).join(', ')})`);
      res.writeHead(404, ISOLATION_HEADERS).end();
      return;
    }
    const type = CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
    res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': type }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Serves `files`, opens `entry` (one of them) in headless Chromium and calls `fn` with the page; the
 * browser and the server are closed when `fn` settles, whatever happens.
 * @returns what `fn` returns
 * @throws Error telling to install Chromium when the browser is missing; whatever `fn` or the page
 *   load throws, with the page's problems appended
 */
export async function withBrowserPage<T>(files: PageFiles, entry: string, fn: (p: BrowserPage) => Promise<T>, o: BrowserOptions = {}): Promise<T> {
  const { timeoutMs = PAGE_TIMEOUT_MS, executablePath = CHROMIUM_PATH, args = CHROMIUM_ARGS } = o;
  if (!existsSync(executablePath)) {
    throw new Error(`browser checks need Chromium at ${executablePath}, which is missing: install it with \`apt-get install -y chromium\` (CI does)`);
  }
  if (files[entry] === undefined) throw new Error(`the entry page ${entry} is not one of the served files`);
  const problems: string[] = [];
  const report = (problem: string) => { problems.push(problem); };
  const seen = new WeakSet<ConsoleMessage>();
  const onConsole = (where: string) => (m: ConsoleMessage) => {
    if (m.type() !== 'error' || seen.has(m)) return;
    seen.add(m);
    const at = m.location();
    report(`console error in ${where}: ${m.text()}${at.url ? ` (${at.url}:${at.lineNumber})` : ''}`);
  };
  const { server, origin } = await serve(files, report);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath, args: [...args], timeout: timeoutMs });
    const page = await browser.newPage();
    page.setDefaultTimeout(timeoutMs);
    page.on('console', onConsole('the page'));
    page.on('worker', (w) => w.on('console', onConsole(`worker ${w.url()}`)));
    page.on('pageerror', (e) => report(`uncaught error in the page: ${e.stack ?? e.message}`));
    page.on('requestfailed', (r) => report(`request failed: ${r.url()}: ${r.failure()?.errorText ?? 'unknown'}`));
    page.on('crash', () => report('the page crashed'));
    const url = `${origin}/${entry}`;
    try {
      const response = await page.goto(url);
      if (!response?.ok()) throw new Error(`loading ${url} answered ${response?.status() ?? 'nothing'}`);
      return await fn({ page, url, problems });
    } catch (e) {
      if (problems.length === 0 || !(e instanceof Error)) throw e;
      e.message += `\nproblems in the page:\n  ${problems.join('\n  ')}`;
      throw e;
    }
  } finally {
    await browser?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Waits for the page to set `window[name]` (see the page convention above) and returns it.
 * @throws Error naming the global and the limit when the page does not report within `timeoutMs`;
 *   Error with the page's message when it reports `{ error }`
 */
export async function pageResult<T>(page: Page, timeoutMs = PAGE_TIMEOUT_MS, name = '__result'): Promise<T> {
  try {
    await page.waitForFunction((n) => (globalThis as Record<string, unknown>)[n] !== undefined, name, { timeout: timeoutMs, polling: 50 });
  } catch (e) {
    if ((e as Error).name !== 'TimeoutError') throw e;
    throw new Error(`the page did not set window.${name} within ${timeoutMs / 1000} s`);
  }
  const result = await page.evaluate((n) => (globalThis as Record<string, unknown>)[n], name);
  const error = (result as { error?: unknown } | null)?.error;
  if (error !== undefined) throw new Error(`the page reported a failure: ${String(error)}`);
  return result as T;
}

/** A browser bundle: output files by name, and the source files it includes (repository-relative). */
export interface BrowserBundle {
  readonly files: Readonly<Record<string, string>>;
  readonly inputs: readonly string[];
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundles TypeScript entries for the browser with esbuild (ESM, platform browser, no minification).
 * @param entries output file name ('page.js') to entry source, relative to the repository root
 * @param external imports left as they are (binaryen imports `node:module` only when it runs in Node:
 *   pass 'node:*' for a bundle of the compiler)
 * @throws esbuild's error when an entry does not bundle (for instance, it reaches a Node built-in)
 */
export async function bundleForBrowser(entries: Readonly<Record<string, string>>, external: readonly string[] = []): Promise<BrowserBundle> {
  const files: Record<string, string> = {};
  const inputs = new Set<string>();
  for (const [out, entry] of Object.entries(entries)) {
    const r = await build({
      absWorkingDir: REPO_ROOT, entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
      write: false, metafile: true, logLevel: 'silent', outfile: out, external: [...external],
    });
    files[out] = r.outputFiles[0]!.text;
    for (const input of Object.keys(r.metafile.inputs)) inputs.add(input);
  }
  return { files, inputs: [...inputs].sort() };
}
