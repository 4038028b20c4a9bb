/**
 * Schedule traces read from files: a JSON array of instructions (Schedule.trace, `tessera print
 * --what trace`), or an object holding one in `schedule` (an artifact description, a tuning record).
 * Replaying one names the instruction that fails and why.
 */
import { readFile } from 'node:fs/promises';
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import type { Instruction } from '../schedule/instruction.js';
import { CliError } from './command.js';

/** The JSON type each instruction field has, whatever the instruction (schedule/instruction.ts). */
const FIELD_TYPES: Readonly<Record<string, 'string' | 'number' | 'strings' | 'numbers' | 'object'>> = {
  op: 'string', stage: 'string', axis: 'string', at: 'string', name: 'string', outer: 'string', inner: 'string', fused: 'string', tail: 'string',
  factor: 'number', min: 'number', extent: 'number', modulus: 'number', remainder: 'number',
  axes: 'strings', readers: 'strings', dims: 'strings', order: 'strings', names: 'strings', factors: 'numbers', split: 'object',
};

function fieldProblem(key: string, value: unknown): string | undefined {
  const want = FIELD_TYPES[key];
  if (!want) return undefined;
  const ok = want === 'strings' ? Array.isArray(value) && value.every((v) => typeof v === 'string')
    : want === 'numbers' ? Array.isArray(value) && value.every((v) => typeof v === 'number')
      : want === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value)
        : typeof value === want;
  return ok ? undefined : `its field ${key} must be ${want === 'strings' ? 'an array of strings' : want === 'numbers' ? 'an array of numbers' : `a ${want}`}, got ${JSON.stringify(value)}`;
}

/**
 * Reads the trace in `path`.
 * @returns the instructions, not yet checked against a pipeline (see replayTrace)
 * @throws CliError for a missing or unreadable file, text that is not JSON (with the parser's
 *   position), or JSON that is neither an array nor an object with a `schedule` array
 */
export async function readTraceFile(path: string): Promise<readonly unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `trace file ${path}: no such file` : `trace file ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`trace file ${path} is not JSON: ${(e as Error).message}`);
  }
  if (Array.isArray(json)) return json;
  const held = (json as { schedule?: unknown } | null)?.schedule;
  if (Array.isArray(held)) return held;
  throw new CliError(`trace file ${path} holds neither a JSON array of schedule instructions nor an object with one in "schedule" (an artifact description or a tuning record)`);
}

/**
 * Applies `trace` to a fresh schedule of `p`, one instruction at a time.
 * @param where the trace's file, first in every message
 * @throws CliError naming the instruction (its number, 1-based, and its JSON) and why it fails: a
 *   field of the wrong type, or the ScheduleError its primitive raises
 */
export function replayTrace(p: Pipeline, trace: readonly unknown[], where: string): Schedule {
  const sch = new Schedule(p);
  trace.forEach((item, i) => {
    const shown = JSON.stringify(item);
    const at = `${where}: instruction ${i + 1} of ${trace.length} ${shown.length > 160 ? `${shown.slice(0, 157)}...` : shown}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new CliError(`${at}: not an object`);
    if (typeof (item as { op?: unknown }).op !== 'string') throw new CliError(`${at}: it has no "op"`);
    for (const [key, value] of Object.entries(item)) {
      const problem = fieldProblem(key, value);
      if (problem) throw new CliError(`${at}: ${problem}`);
    }
    try {
      sch.apply(item as Instruction);
    } catch (e) {
      const error = e as Error;
      throw new CliError(`${at}: ${error.name === 'ScheduleError' ? error.message : `malformed (${error.message})`}`);
    }
  });
  return sch;
}
