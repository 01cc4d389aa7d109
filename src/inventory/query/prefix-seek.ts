/**
 * Seeking a case-insensitive name prefix (`name==db-0*`) in the index the page is sorted by (issue 16 §4).
 *
 * FIQL's wildcard match is case-insensitive, as VCD's is (src/store/fiql-sql.ts), while the name indexes are in
 * the column's own order, byte order. A case-insensitive prefix is not one range of that order: `db-0` may be
 * stored as `db-0`, `DB-0`, `Db-0` or `dB-0`, and those sort far apart. So the page walked the org's whole name
 * index from its start and tested every name (83x the cost of a cached page at 100,000 VMs).
 *
 * It is a few ranges, though: one per way of writing the prefix's letters. Each range is an index seek that yields
 * rows in page order; execute.ts cuts each at the page's size and merges them (a UNION ALL under the page's ORDER
 * BY and LIMIT), so a page reads at most a page's rows per range.
 *
 * The ranges are a superset of the matches, never a subset: the filter's own LIKE/ILIKE still decides. Proof for
 * a prefix written `v + r`, where `v` is its first characters with each letter written one particular way: every
 * name that starts with `v` and then `r` in any case lies in [v + upper(r), v + lower(r) with its last character
 * plus one), because upper case letters sort before lower case ones, character by character. With `r` empty the
 * range is exactly the names that start with `v`. Only the ASCII head of the prefix is used: that is all SQLite's
 * LIKE folds; PostgreSQL's ILIKE also folds two non-ASCII letters into ASCII ones, which get ranges of their own.
 * The ranges assume the name order is byte order (`store.bytewiseTextOrder`), so they are not used otherwise.
 */

import type { FiqlNode } from '../../domain/fiql.js';

/** At most this many seeks for one prefix: letters past the point where one more would exceed it share a range. */
export const MAX_RANGES = 16;

/** A half-open range of names: `lo <= name < hi`. */
export interface NameRange {
  readonly lo: string;
  readonly hi: string;
}

/**
 * Characters outside ASCII whose lower case is an ASCII letter (Unicode's case mappings hold just these two):
 * PostgreSQL's ILIKE lowercases both sides, so `k*` matches a name that starts with the Kelvin sign.
 */
const NON_ASCII_UPPER: Readonly<Record<string, string>> = { i: '\u0130', k: '\u212a' };

const isAsciiLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** The string with its last character's code plus one: the first string after every string that starts with it. */
function successor(s: string): string {
  return s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1);
}

/**
 * The ranges, in no particular order, that hold every name starting with `prefix` in any case the backend's
 * wildcard match folds; empty when the prefix has no ASCII head to seek on (the caller keeps its plain walk).
 * `unicodeLowercase`: the match lowercases with Unicode's mappings (PostgreSQL's ILIKE), not ASCII's (SQLite).
 */
export function caseInsensitivePrefixRanges(prefix: string, options: { unicodeLowercase: boolean }): NameRange[] {
  const forms = (c: string): string[] => {
    if (!isAsciiLetter(c)) return [c];
    const lower = c.toLowerCase();
    const exotic = options.unicodeLowercase ? NON_ASCII_UPPER[lower] : undefined;
    return exotic ? [c.toUpperCase(), exotic, lower] : [c.toUpperCase(), lower];
  };
  let head = /^[\u0001-\u007f]*/.exec(prefix)![0];
  let variants = [''];
  let i = 0;
  for (; i < head.length; i++) {
    const f = forms(head[i]!);
    if (variants.length * f.length > MAX_RANGES) break;
    variants = variants.flatMap((v) => f.map((x) => v + x));
  }
  // The rest shares one range per variant, which covers only ASCII case changes: it stops before a letter that a
  // non-ASCII character also lowercases to.
  let rest = head.slice(i);
  const folded = options.unicodeLowercase ? rest.search(/[ik]/i) : -1;
  if (folded !== -1) rest = rest.slice(0, folded);
  head = head.slice(0, i) + rest;
  if (head === '') return [];
  return variants.map((v) =>
    rest === '' ? { lo: v, hi: successor(v) } : { lo: v + rest.toUpperCase(), hi: successor(v + rest.toLowerCase()) },
  );
}

/**
 * The prefix a filter's top-level wildcard comparison puts on `selector` (`name==db-0*` or one of the and-ed terms
 * of `name==db-0*;status==POWERED_ON`), or null. Only a prefix that every matching row must have counts: a term
 * under an `or` does not, nor does `!=`.
 */
export function requiredPrefix(ast: FiqlNode | null, selector: string): string | null {
  if (ast === null) return null;
  const terms = ast.kind === 'and' ? ast.children : [ast];
  for (const term of terms) {
    if (term.kind !== 'comparison' || term.selector !== selector || term.operator !== '==' || term.wildcard === null) continue;
    const prefix = term.wildcard[0]!;
    if (prefix !== '') return prefix;
  }
  return null;
}
