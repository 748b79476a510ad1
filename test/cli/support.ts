/** Runs the command in-process, as a user would from a shell, and keeps what it printed. */
import { main, type Io, type Seams } from '../../src/cli/main.js';

export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface RunOptions {
  readonly stdin?: string;
  readonly seams?: Seams;
  readonly untilStopped?: Io['untilStopped'];
  /** Called with each line written to standard output, as it is written. */
  readonly onOut?: (line: string) => void;
}

export async function rtc(argv: readonly string[], options: RunOptions = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => {
      out += `${text}\n`;
      options.onOut?.(text);
    },
    err: (text) => (err += `${text}\n`),
    stdin: async () => options.stdin ?? '',
    ...(options.untilStopped !== undefined ? { untilStopped: options.untilStopped } : {}),
  };
  const code = await main(argv, io, options.seams ?? {});
  return { code, out, err };
}
