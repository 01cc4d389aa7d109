/**
 * Finds Tessera API tokens in text, both formats: candidates are every 32-character base62 word (current
 * tokens have no prefix) and every `tsr_` + 49 word (legacy), kept only when the checksum matches, so other
 * 32-character words (hex digests, ids) and look-alikes (a token with one character changed) are not reported.
 * The false-positive rate measured on a real corpus is in docs/token-format.md. Pure.
 */
import { API_TOKEN_SEARCH_PATTERN, hashApiToken, maskApiToken, wellFormedTokenIn } from '../../domain/api-token-format.js';

export interface TokenFinding {
  /** 1-based. */
  line: number;
  /** 1-based, in characters of the line. */
  column: number;
  /** The token with all but its start masked: safe to print. */
  masked: string;
  /** The token's SHA-256, to count distinct tokens: kept in memory, never printed. */
  digest: string;
}

export function findApiTokens(text: string): TokenFinding[] {
  const findings: TokenFinding[] = [];
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  // A fresh RegExp: the exported one is global (stateful lastIndex) and shared.
  const pattern = new RegExp(API_TOKEN_SEARCH_PATTERN.source, API_TOKEN_SEARCH_PATTERN.flags);
  for (const match of text.matchAll(pattern)) {
    const found = wellFormedTokenIn(match[0]);
    if (!found) continue;
    const at = match.index + found.offset;
    const line = lineIndex(lineStarts, at);
    findings.push({
      line: line + 1,
      column: at - lineStarts[line]! + 1,
      masked: maskApiToken(found.token),
      digest: hashApiToken(found.token),
    });
  }
  return findings;
}

/** Binary search: the index of the last line start <= offset. */
function lineIndex(lineStarts: number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Git's heuristic: a NUL byte in the first 8000 bytes means binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8000);
  for (let index = 0; index < end; index++) if (bytes[index] === 0) return true;
  return false;
}
