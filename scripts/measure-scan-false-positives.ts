/**
 * Measures how often `tessera scan` would report a word that is not a Tessera token: walks a large real corpus
 * (every text file, node_modules included, symlinks not followed), takes every candidate the scanner takes
 * (32-character base62 words, legacy `tsr_` words) and counts how many pass the checksum. Because the
 * expected full-checksum count on any realistic corpus is ~0, it also counts passes of the checksum's first
 * 1, 2 and 3 characters, to check on real text that each character filters by ~1/62 as the arithmetic says,
 * and the same corpus against a CRC-32 checksum (the alternative considered). Real corpora hold few 32-character
 * words, so it also takes every 32-character window inside longer base62 runs (identifiers, base64 and hex blobs:
 * real, non-uniform text, each distinct run once) to measure the per-character filter on millions of trials.
 * Figures: docs/token-format.md.
 *
 *   node --import tsx scripts/measure-scan-false-positives.ts /work/main/node_modules
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { API_TOKEN_SEARCH_PATTERN, apiTokenChecksum, isWellFormedApiToken } from '../src/domain/api-token-format.js';
import { crc32 } from '../src/domain/api-token-legacy.js';
import { toBase62 } from '../src/domain/base62.js';
import { looksBinary } from '../src/cli/scan/find-tokens.js';
import { MAX_SCAN_BYTES } from '../src/cli/scan.js';

async function* files(dir: string): AsyncGenerator<string> {
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const info = await lstat(path);
    if (info.isDirectory()) yield* files(path);
    else if (info.isFile() && info.size <= MAX_SCAN_BYTES) yield path;
  }
}

const roots = process.argv.slice(2);
if (roots.length === 0) throw new Error('usage: measure-scan-false-positives.ts DIR...');
const tally = {
  textFiles: 0,
  binaryFiles: 0,
  textBytes: 0,
  candidates32: 0,
  distinct32: 0,
  hexOnly32: 0,
  legacyCandidates: 0,
  passFirst1: 0,
  passFirst2: 0,
  passFirst3: 0,
  passFull: 0,
  passCrc32: 0,
  /** The same, counting each distinct word once (a word repeated across files is one trial, not many). */
  distinctPassFirst1: 0,
  distinctPassFirst2: 0,
  distinctPassFirst3: 0,
  distinctPassFull: 0,
  distinctPassCrc32: 0,
  reported: [] as string[],
};
const seen = new Set<string>();
const samples: string[] = [];
const windows = { runs: 0, distinctRuns: 0, trials: 0, pass: [0, 0, 0, 0, 0, 0, 0] };
const seenRuns = new Set<string>();
const LONG_RUN = /[0-9A-Za-z]{33,}/g;
const started = Date.now();
for (const root of roots) {
  for await (const path of files(root)) {
    const bytes = await readFile(path);
    if (looksBinary(bytes)) {
      tally.binaryFiles++;
      continue;
    }
    tally.textFiles++;
    tally.textBytes += bytes.length;
    const text = bytes.toString('utf8');
    for (const [run] of text.matchAll(LONG_RUN)) {
      windows.runs++;
      const key = createHash('sha1').update(run).digest('base64');
      if (seenRuns.has(key)) continue;
      seenRuns.add(key);
      windows.distinctRuns++;
      for (let at = 0; at + 32 <= run.length; at++) {
        const tail = run.slice(at + 26, at + 32);
        const sum = apiTokenChecksum(run.slice(at, at + 26));
        windows.trials++;
        let k = 0;
        while (k < 6 && tail[k] === sum[k]) k++;
        for (let i = 1; i <= k; i++) windows.pass[i]!++;
      }
    }
    const pattern = new RegExp(API_TOKEN_SEARCH_PATTERN.source, API_TOKEN_SEARCH_PATTERN.flags);
    for (const [word] of text.matchAll(pattern)) {
      if (isWellFormedApiToken(word)) tally.reported.push(`${path}: ${word.slice(0, 4)}…`);
      if (word.startsWith('tsr_')) {
        tally.legacyCandidates++;
        continue;
      }
      tally.candidates32++;
      if (/^[0-9a-f]{32}$/i.test(word)) tally.hexOnly32++;
      const fresh = !seen.has(word);
      if (fresh) {
        seen.add(word);
        if (samples.length < 12 && seen.size % 97 === 1) samples.push(word);
      }
      const head = word.slice(0, 26);
      const tail = word.slice(26);
      const sum = apiTokenChecksum(head);
      const passes = [
        tail[0] === sum[0],
        tail.slice(0, 2) === sum.slice(0, 2),
        tail.slice(0, 3) === sum.slice(0, 3),
        tail === sum,
        tail === toBase62(BigInt(crc32(head)), 6),
      ];
      const keys = ['First1', 'First2', 'First3', 'Full', 'Crc32'] as const;
      passes.forEach((pass, i) => {
        if (!pass) return;
        tally[`pass${keys[i]!}`]++;
        if (fresh) tally[`distinctPass${keys[i]!}`]++;
      });
    }
  }
}
tally.distinct32 = seen.size;
const n = tally.distinct32;
const line = (label: string, count: number, k: number) =>
  `${label}: ${count} of ${n} distinct = ${(count / Math.max(n, 1)).toExponential(2)} (expected 62^-${k} = ${(62 ** -k).toExponential(2)}, i.e. ${(n * 62 ** -k).toFixed(2)})`;
console.log(JSON.stringify({ ...tally, samples, windows, seconds: (Date.now() - started) / 1000 }, null, 2));
console.log(
  [
    `${tally.textFiles} text files, ${(tally.textBytes / 2 ** 20).toFixed(0)} MiB; candidates (32-char base62 words): ${tally.candidates32} (${n} distinct, ${tally.hexOnly32} hex-only occurrences); tsr_ candidates: ${tally.legacyCandidates}`,
    line('first checksum char matches', tally.distinctPassFirst1, 1),
    line('first 2 chars match        ', tally.distinctPassFirst2, 2),
    line('first 3 chars match        ', tally.distinctPassFirst3, 3),
    line('full checksum (reported)   ', tally.distinctPassFull, 6),
    `a CRC-32 checksum would pass: ${tally.distinctPassCrc32} distinct`,
    `reported by the scanner (either format, all occurrences): ${tally.reported.length}`,
    `windows: ${windows.trials} 32-character windows of ${windows.distinctRuns} distinct longer runs (${windows.runs} runs in all)`,
    ...[1, 2, 3, 4, 5, 6].map(
      (k) =>
        `  first ${k} checksum char(s) match: ${windows.pass[k]} = ${(windows.pass[k]! / Math.max(windows.trials, 1)).toExponential(2)} (expected ${(62 ** -k).toExponential(2)}, i.e. ${(windows.trials * 62 ** -k).toFixed(2)})`,
    ),
  ].join('\n'),
);
