/**
 * `tessera scan PATH...`: finds Tessera API tokens (32 base62 characters, or the legacy `tsr_` format, with a
 * valid checksum) in files, for pre-commit hooks and CI. Prints `file:line:col: ...` with the token masked; exit 1 when any is found, 0 when none, 2 on usage errors.
 */
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { findApiTokens, looksBinary, type TokenFinding } from './scan/find-tokens.js';
import { walkFiles } from './scan/walk.js';
import { findApiTokensInBytes, findApiTokensInLargeFile, type TextEncoding } from './scan/large-file.js';
import { action, EXIT } from './io.js';
import { usageError } from './exit-codes.js';
import { SERVICE_ACCOUNT_TOKEN_TYPE } from '../client/token-file.js';

/** govcd's service-account token file (client/token-file.ts): `"token_type": "Service Account"`. */
const SERVICE_ACCOUNT_TOKEN_FILE = new RegExp(`"token_type"\\s*:\\s*"${SERVICE_ACCOUNT_TOKEN_TYPE}"`);

/** Larger files are searched a piece at a time (scan/large-file.ts) rather than read whole. */
export const MAX_SCAN_BYTES = 20 * 1024 * 1024;

interface ScanFlags {
  quiet?: boolean;
}

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .argument('<paths...>', 'files or directories to scan ("-" reads standard input)')
    .description('Find Tessera API tokens in files (by checksum, both formats); exit 1 when any is found')
    .option('--quiet', 'print nothing, only set the exit code')
    .addHelpText(
      'after',
      `
Directories are scanned recursively, without .git and node_modules; binary files (a NUL byte in the first 8000
bytes, UTF-16 text aside) are skipped, and files of any size are read. A token is any 32-character [A-Za-z0-9]
word, or a legacy tsr_ token, whose checksum matches: other words of that shape (hex digests, ids) are not reported.
Exit codes: 0 none found, 1 tokens found, 2 usage error (e.g. a path that does not exist) or, with none found, an
incomplete scan (a file or directory that could not be read, named on stderr).

Examples:
  $ tessera scan .
  $ git diff --cached | tessera scan -
  $ tessera scan --quiet build/ || echo "tokens in the build output"

Pre-commit hook (.git/hooks/pre-commit, executable): scans what is staged, which is what the commit records, not
the working tree (a file edited after git add is committed as it was added); findings name repository paths.
  #!/bin/sh
  dir=$(mktemp -d) || exit 1
  trap 'rm -rf "$dir"' EXIT
  git diff --cached --name-only --diff-filter=ACMR -z | xargs -0 -r git checkout-index --prefix="$dir/" --
  cd "$dir" && tessera scan .`,
    )
    .action(action((paths: string[], flags: ScanFlags) => runScan(paths, flags)));
}

async function runScan(paths: string[], flags: ScanFlags): Promise<void> {
  const report = (file: string, findings: TokenFinding[]) => {
    if (findings.length > 0) process.exitCode = EXIT.FAILED; // before writing: a closed pipe still exits 1
    if (flags.quiet) return;
    for (const finding of findings) distinct.add(finding.digest);
    for (const finding of findings) {
      process.stdout.write(`${file}:${finding.line}:${finding.column}: Tessera API token ${finding.masked}\n`);
    }
  };
  let found = 0;
  let files = 0;
  /** Distinct tokens among the findings (one token pasted in three places is one to revoke). */
  const distinct = new Set<string>();
  let unreadable = 0;
  /** Files in govcd's service-account format, whose token `token revoke` cannot reach. */
  const serviceAccountFiles: string[] = [];
  for (const root of paths) {
    if (root === '-') {
      // Searched as it comes, a piece at a time, never held whole; always as text (UTF-16 when it looks so), since
      // what is piped in (`git diff --cached | tessera scan -`) was meant to be scanned.
      const findings = await findApiTokensInStream(stdinChunks(), { binaryAsText: true });
      report('(stdin)', findings);
      found += findings.length;
      files += findings.length > 0 ? 1 : 0;
      continue;
    }
    // A directory that cannot be listed is named and counted like a file that cannot be read, and the walk goes on.
    const onUnreadable = (path: string, error: NodeJS.ErrnoException) => {
      unreadable++;
      process.stderr.write(`tessera: cannot read ${path}: ${reasonOf(error)}\n`);
    };
    try {
      for await (const entry of walkFiles(root, { onUnreadable })) {
        let text: string | null | 'too large';
        try {
          if (entry.stream) {
            // A pipe or a device (`scan <(cmd)`, a FIFO) is read once, in order, and searched a piece at a time: it
            // cannot be reopened or read at an offset (until 2026-12-06 one over 20 MiB failed with ESPIPE, no
            // finding printed, as its first 20 MiB had been read to find out its size).
            const findings = await findApiTokensInPipe(entry.path);
            report(entry.path, findings);
            found += findings.length;
            files += findings.length > 0 ? 1 : 0;
            continue;
          }
          text = entry.size > MAX_SCAN_BYTES ? 'too large' : await readText(entry.path);
          if (text === 'too large') {
            const findings = await findApiTokensInLarge(entry.path);
            report(entry.path, findings);
            found += findings.length;
            files += findings.length > 0 ? 1 : 0;
            continue;
          }
        } catch (error) {
          // One file that cannot be read must not hide the rest: said, counted, and the walk goes on.
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EISDIR') throw error;
          onUnreadable(entry.path, error as NodeJS.ErrnoException);
          continue;
        }
        if (text === null) continue;
        const findings = findApiTokens(text);
        if (findings.length > 0 && SERVICE_ACCOUNT_TOKEN_FILE.test(text)) serviceAccountFiles.push(entry.path);
        report(entry.path, findings);
        found += findings.length;
        files += findings.length > 0 ? 1 : 0;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const where = (error as NodeJS.ErrnoException).path ?? root;
      if (code === 'ENOENT') throw usageError(`${where}: no such file or directory`);
      if (code === 'EACCES') throw usageError(`${where}: permission denied`);
      throw error;
    }
  }
  if (found > 0) {
    if (!flags.quiet) {
      process.stderr.write(
        `tessera: ${found} API token${found === 1 ? '' : 's'} found in ${files} file${files === 1 ? '' : 's'}` +
          (distinct.size < found ? ` (${distinct.size} distinct)` : '') +
          '. ' +
          // The scan sees a token's first characters, not its name: `token list` matches them (STARTS) to a name and id.
          // A service account's refresh token has the same format but is no API token: `token list` does not show
          // it and `token revoke` cannot reach it (until 2026-12-07 this named `token revoke` alone).
          'Revoke each and remove it from the files and their history: an API token with tessera token revoke ID ' +
          "(tessera token list shows which token STARTS with the characters above); a service account's refresh " +
          'token, which token list does not show, with tessera service-account revoke ACCOUNT (then authorize it again).\n',
      );
      for (const file of serviceAccountFiles) {
        process.stderr.write(
          `tessera: ${file} is a service account's token file: revoke its token with tessera service-account revoke ACCOUNT ` +
            '(tessera token revoke cannot).\n',
        );
      }
    }
    process.exitCode = EXIT.FAILED;
  } else if (unreadable > 0) {
    // Nothing found, but not everything was read: not the all-clear of exit 0.
    throw usageError(
      `${unreadable} ${unreadable === 1 ? 'file or directory' : 'files or directories'} could not be read; the scan is incomplete`,
    );
  }
}

function reasonOf(error: NodeJS.ErrnoException): string {
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission denied';
  if (error.code === 'EISDIR') return 'is a directory';
  if (error.code === 'ENAMETOOLONG') return 'path too long';
  return error.code ?? error.message;
}

/** Standard input's bytes as they come. */
async function* stdinChunks(): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of process.stdin) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

/** A pipe or device named as a path, read in order (no positioned reads, which a pipe refuses with ESPIPE). */
async function findApiTokensInPipe(path: string): Promise<TokenFinding[]> {
  const handle = await open(path, 'r');
  try {
    return await findApiTokensInStream(
      (async function* () {
        for (;;) {
          const buffer = Buffer.alloc(256 * 1024);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) return;
          yield buffer.subarray(0, bytesRead);
        }
      })(),
      { binaryAsText: false },
    );
  } finally {
    await handle.close();
  }
}

/**
 * A stream searched a piece at a time (scan/large-file.ts), whatever its length: its encoding is judged from its
 * first 8000 bytes, as a file's is. Binary (no UTF-16) gives [] unless `binaryAsText`, then it is read as UTF-8.
 */
async function findApiTokensInStream(chunks: AsyncIterable<Uint8Array>, options: { binaryAsText: boolean }): Promise<TokenFinding[]> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headSize = 0;
  let ended = false;
  while (headSize < 8000) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headSize += next.value.length;
  }
  const first = Buffer.concat(head, headSize);
  const kind = encodingOf(first) ?? (options.binaryAsText ? { encoding: 'utf-8' as const, skip: 0 } : null);
  if (kind === null) return [];
  return findApiTokensInBytes(
    (async function* () {
      yield first.subarray(kind.skip);
      if (ended) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })(),
    kind.encoding,
  );
}

/**
 * The text of a regular file, or null when it is binary, or 'too large' (over 20 MiB: it grew since its size was read). UTF-16 is read
 * as UTF-16 (PowerShell 5's Out-File writes it by default: until 2026-12-05 its NUL bytes made such files look
 * binary, and their tokens were never seen); anything else as UTF-8.
 */
async function readText(path: string): Promise<string | null | 'too large'> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_SCAN_BYTES) return 'too large';
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return textOf(Buffer.concat(chunks, total));
  } finally {
    await handle.close();
  }
}

function textOf(bytes: Buffer): string | null {
  const kind = encodingOf(bytes);
  if (kind === null) return null;
  return new TextDecoder(kind.encoding).decode(bytes.subarray(kind.skip));
}

/**
 * How a file's text is encoded, from its first bytes (and how many of them are a byte-order mark), or null when it
 * is binary: UTF-16 by its mark, or without one by a NUL in every other byte (UTF-16 text of Latin characters,
 * nearly always); UTF-8 when there is no NUL in the first 8000 bytes.
 */
function encodingOf(bytes: Uint8Array): { encoding: TextEncoding; skip: number } | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  if (!looksBinary(bytes)) return { encoding: 'utf-8', skip: 0 };
  const sample = bytes.subarray(0, Math.min(bytes.length, 8000) & ~1);
  let oddZeros = 0;
  let evenZeros = 0;
  for (let i = 0; i < sample.length; i += 2) {
    if (sample[i] === 0) evenZeros++;
    if (sample[i + 1] === 0) oddZeros++;
  }
  const pairs = sample.length / 2;
  if (pairs > 0 && oddZeros >= pairs * 0.9 && evenZeros < pairs * 0.1) return { encoding: 'utf-16le', skip: 0 };
  if (pairs > 0 && evenZeros >= pairs * 0.9 && oddZeros < pairs * 0.1) return { encoding: 'utf-16be', skip: 0 };
  return null;
}

/** A file too large to read whole, searched a piece at a time (scan/large-file.ts); [] when it is binary. */
async function findApiTokensInLarge(path: string): Promise<TokenFinding[]> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(8000);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const kind = encodingOf(head.subarray(0, bytesRead));
    return kind === null ? [] : await findApiTokensInLargeFile(handle, kind.encoding, kind.skip);
  } finally {
    await handle.close();
  }
}
