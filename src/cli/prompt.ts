/**
 * Asking a person for a secret on the terminal: the prompt goes to stderr (stdout may be piped), the typed
 * characters are not echoed. Without a terminal there is no prompt: scripts use the environment instead.
 */
import { CliError, EXIT } from './exit-codes.js';
import { readAllStdinBytes } from './stdin.js';

export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY) && typeof process.stdin.setRawMode === 'function';
}

/** Reads one line; `hidden` turns echo off. Ctrl-C exits 130, Ctrl-D with nothing typed aborts. */
export function promptLine(question: string, options: { hidden: boolean }): Promise<string> {
  if (!canPrompt()) throw new CliError(`No terminal to ask: ${question.trim()}`, EXIT.USAGE);
  const stdin = process.stdin;
  // Echo goes off before the question appears: anything typed as soon as the prompt shows (a fast typist, a
  // pasted password, a loaded machine) must never be echoed by the terminal.
  stdin.setRawMode(true);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliError('Interrupted', EXIT.INTERRUPTED));
        if (char === '\u0004') {
          if (value === '') return finish(new CliError('Aborted', EXIT.INTERRUPTED));
          return finish();
        }
        if (char === '\u007f' || char === '\b') {
          if (value.length > 0) {
            value = [...value].slice(0, -1).join('');
            if (!options.hidden) process.stderr.write('\b \b');
          }
          continue;
        }
        if (char < ' ') continue;
        value += char;
        if (!options.hidden) process.stderr.write(char);
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** All of standard input, for `--password-stdin`; a trailing newline is dropped. */
export async function readAllStdin(): Promise<string> {
  return (await readAllStdinBytes()).toString('utf8').replace(/\r?\n$/, '');
}
