/** Where progress bars (cli-progress) write: the terminal, or lines through the command's error output. */
import type { CliIo } from './command.js';

/** The bar's output: stderr when it is a terminal, else lines through `io.err` (cli-progress's non-TTY mode). */
export function barStream(io: CliIo): NodeJS.WritableStream {
  if (io.errStream?.isTTY) return io.errStream;
  return { write: (s: string) => { io.err(s); return true; }, isTTY: false } as unknown as NodeJS.WritableStream;
}
