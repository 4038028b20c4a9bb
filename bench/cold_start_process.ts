/**
 * One cold-start measurement in a fresh Node process (bench/peers/ort_cold_start.ts and
 * bench/tessera_cold_start.ts): runs `node CHILD ARGS...` and parses the JSON line it prints last.
 */
import { execFileSync } from 'node:child_process';

/**
 * @param what names the run in errors ("onnxruntime-web cold start 2 of 5 on MODEL")
 * @returns the child's last stdout line, parsed as JSON
 * @throws Error naming `what`: the process failed (its exit status and error line; Node prints an error
 *   of a minified class as `f [ArgumentError]: ...`) or printed no JSON line
 */
export function coldStartProcess<T>(child: string, args: readonly string[], what: string, timeoutMs: number): T {
  let out: string;
  try {
    out = execFileSync(process.execPath, [child, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { status?: number; stderr?: string; message: string };
    const lines = (err.stderr || err.message).trim().split('\n');
    const why = lines.find((l) => /^(\w*Error|\w+ \[\w*Error\])(?=[:\s]|$)/.test(l)) ?? lines.at(-1);
    throw new Error(`${what} failed (exit status ${err.status ?? 'none'}): ${why}`);
  }
  const last = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${what} printed no result (last line: ${JSON.stringify(last.slice(0, 200))})`);
  }
}
