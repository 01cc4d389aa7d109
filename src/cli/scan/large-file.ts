/**
 * `tessera scan` of a file larger than it reads whole (MAX_SCAN_BYTES): read a piece at a time and searched as the
 * small files are, so a token in a large log or dump is found (until 2026-12-06 such files were skipped with a note
 * and the scan exited 0). Pieces end at a line break where there is one, else just after a character no token holds
 * (`[A-Za-z0-9_]` never ends a piece, so no token and no escape glued to one is cut in two); lines and columns are
 * those of the whole file. Memory: one piece and what is left of its last line.
 */
import type { FileHandle } from 'node:fs/promises';
import { findApiTokens, type TokenFinding } from './find-tokens.js';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

const PIECE_BYTES = 4 * 1024 * 1024;
/** A line with no break for this long is cut at a non-token character instead (minified or single-line dumps). */
const LONGEST_CARRIED_LINE = 2 * PIECE_BYTES;

/**
 * Every token in the file read through `handle` from byte `start` (after a byte-order mark), decoded as `encoding`.
 */
export async function findApiTokensInLargeFile(handle: FileHandle, encoding: TextEncoding, start: number): Promise<TokenFinding[]> {
  return findApiTokensInBytes(fileBytes(handle, start), encoding);
}

/** A regular file's bytes from `start`, a piece at a time (positioned reads: for files only, a pipe cannot seek). */
async function* fileBytes(handle: FileHandle, start: number): AsyncGenerator<Uint8Array, void, undefined> {
  let position = start;
  for (;;) {
    const buffer = Buffer.alloc(PIECE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/**
 * Every token in a sequence of byte chunks (a file's pieces, or a pipe's reads as they come: `scan <(cmd)`, a FIFO,
 * standard input), decoded as `encoding`; the chunks are gathered into pieces of about PIECE_BYTES before searching.
 */
export async function findApiTokensInBytes(chunks: AsyncIterable<Uint8Array>, encoding: TextEncoding): Promise<TokenFinding[]> {
  const decoder = new TextDecoder(encoding);
  const findings: TokenFinding[] = [];
  let carry = '';
  let linesBefore = 0; // lines ended in the pieces already searched
  let columnsBefore = 0; // characters of the current line already searched (a piece cut inside a line)
  for await (const bytes of pieces(chunks)) {
    const last = bytes === null;
    const text = carry + (last ? decoder.decode() : decoder.decode(bytes, { stream: true }));
    const cut = last ? text.length : pieceEnd(text);
    const piece = text.slice(0, cut);
    carry = text.slice(cut);
    for (const found of findApiTokens(piece)) {
      findings.push({
        line: linesBefore + found.line,
        column: found.line === 1 ? columnsBefore + found.column : found.column,
        masked: found.masked,
        digest: found.digest,
      });
    }
    const lastBreak = piece.lastIndexOf('\n');
    if (lastBreak === -1) columnsBefore += piece.length;
    else {
      linesBefore += countBreaks(piece);
      columnsBefore = piece.length - lastBreak - 1;
    }
  }
  return findings;
}

/** `chunks` gathered into pieces of at least PIECE_BYTES (the last may be shorter), then null for the end. */
async function* pieces(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array | null, void, undefined> {
  let gathered: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    gathered.push(chunk);
    size += chunk.length;
    if (size >= PIECE_BYTES) {
      yield gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, size);
      gathered = [];
      size = 0;
    }
  }
  if (size > 0) yield gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, size);
  yield null;
}

/** Where the searched part of `text` ends: after its last line break, or within an over-long line, after a non-token character. */
function pieceEnd(text: string): number {
  const lastBreak = text.lastIndexOf('\n');
  if (lastBreak !== -1 && text.length - lastBreak - 1 <= LONGEST_CARRIED_LINE) return lastBreak + 1;
  if (text.length <= LONGEST_CARRIED_LINE) return lastBreak + 1; // 0 when there is no break yet: carry it all
  for (let at = text.length - 1; at > 0; at--) if (!isTokenCharacter(text.charCodeAt(at))) return at + 1;
  return text.length - 64; // one run of letters and digits megabytes long holds no token (none is searched inside a run)
}

function isTokenCharacter(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function countBreaks(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) n++;
  return n;
}
