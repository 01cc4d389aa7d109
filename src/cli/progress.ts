/**
 * A one-line progress indicator on stderr, only when stderr is a terminal: pipes and CI logs get nothing.
 */
export interface Progress {
  update(text: string): void;
  done(): void;
}

const SILENT: Progress = { update: () => undefined, done: () => undefined };

export function progressOnStderr(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return SILENT;
  let shown = false;
  return {
    update(text) {
      stream.write(`\r\u001b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
