/**
 * The API token's wire format: what a user copies once and a script presents at the token endpoint.
 *
 *   <26 base62 chars: random, ~154.8 bits from the CSPRNG><6 base62 chars: checksum of the random part>
 *
 * exactly 32 characters of [A-Za-z0-9], like the tokens VCD 10.3.1 issues. Why this shape (docs/token-format.md):
 * - 32 characters: the VCD blog's `Create-VcdApiHeaders` sends the exchange with a hard-coded
 *   `Content-Length: 71` = len("grant_type=refresh_token&refresh_token=") 39 + 32, and PowerShell 7 refuses to
 *   send a body of any other length; base62 so nothing in the body needs percent-encoding either;
 * - no room for a prefix, so the checksum alone lets a scanner (and the server, before any store lookup) tell a
 *   token from any other 32-character word: SHA-256 over a domain tag and the random part, reduced to 6 base62
 *   characters, uses the whole 62^6 (~35.7 bits) space, where a CRC-32 would fill only 32 bits of it;
 * - 26 random characters keep >= 128 bits secret even from someone who sees the 4-character display start.
 *
 * Tokens minted before this format (`tsr_` + 49, api-token-legacy.ts) are still accepted everywhere.
 * The server keeps only SHA-256(token) (a 154-bit secret needs no slow hash: ASVS 5.0 6.5.2) and `start`.
 */
// `hash` is the one-shot form of createHash (Node >= 20.12): no Hash object per call, measurably cheaper on the
// exchange, which hashes twice per request (checksum, lookup key).
import { hash } from 'node:crypto';
import { randomBase62, toBase62 } from './base62.js';
import {
  LEGACY_API_TOKEN_SEARCH_PATTERN,
  LEGACY_API_TOKEN_START_LENGTH,
  LEGACY_API_TOKEN_PREFIX,
  LEGACY_API_TOKEN_LENGTH,
  isWellFormedLegacyApiToken,
} from './api-token-legacy.js';

export const API_TOKEN_RANDOM_LENGTH = 26;
export const API_TOKEN_CHECKSUM_LENGTH = 6;
export const API_TOKEN_LENGTH = API_TOKEN_RANDOM_LENGTH + API_TOKEN_CHECKSUM_LENGTH;
/** Characters kept in clear for display: 4, so the 22 hidden random characters still hold > 128 bits. */
export const API_TOKEN_START_LENGTH = 4;
/**
 * Mixed into the checksum so that it is Tessera's: another system's 26+6 base62 tokens (or a plain SHA-256 of
 * 26 characters) do not validate here. Changing it invalidates every token: never change it.
 */
const CHECKSUM_DOMAIN = 'tessera-api-token-v1:';
const CHECKSUM_MODULUS = 62n ** BigInt(API_TOKEN_CHECKSUM_LENGTH);

const TOKEN_PATTERN = new RegExp(`^[0-9A-Za-z]{${API_TOKEN_LENGTH}}$`);
/**
 * How many base62 characters may touch a token in free text and still leave it found: an escape before it (`\n`
 * in a JSON log, `%3D` or `%20` in a URL) or after it. A longer run (a base64 blob) is not searched inside.
 */
const GLUE = 8;
/**
 * A run of 32 to 40 base62 characters: a token alone, or one with up to GLUE characters of an escape stuck to it.
 * Until 2026-12-05 only a 32-character word counted, and neither side could touch a letter, digit or underscore,
 * so `"…:\nTOKEN"`, `?a=%3DTOKEN` and `name_TOKEN` were missed (the checksum, not the boundary, is what tells
 * tokens from other words).
 */
const CURRENT_SEARCH_SOURCE = `(?<![0-9A-Za-z])[0-9A-Za-z]{${API_TOKEN_LENGTH},${API_TOKEN_LENGTH + GLUE}}(?![0-9A-Za-z])`;
/**
 * For scanners: candidates of either format in free text, in order; wellFormedTokenIn says whether a candidate holds
 * a token, and where (the checksum is what tells a token from any other word).
 */
export const API_TOKEN_SEARCH_PATTERN = new RegExp(`${LEGACY_API_TOKEN_SEARCH_PATTERN.source}|${CURRENT_SEARCH_SOURCE}`, 'g');

/** The token a search candidate holds and its offset in it, or null: a legacy token, or a 32-character window. */
export function wellFormedTokenIn(candidate: string): { offset: number; token: string } | null {
  if (isWellFormedApiToken(candidate)) return { offset: 0, token: candidate };
  if (candidate.length <= API_TOKEN_LENGTH || candidate.length > API_TOKEN_LENGTH + GLUE) return null;
  for (let offset = 0; offset + API_TOKEN_LENGTH <= candidate.length; offset++) {
    const window = candidate.slice(offset, offset + API_TOKEN_LENGTH);
    if (isWellFormedCurrentApiToken(window)) return { offset, token: window };
  }
  return null;
}

/** The 6-character checksum of a 26-character random part. */
export function apiTokenChecksum(random: string): string {
  const digest = hash('sha256', CHECKSUM_DOMAIN + random, 'buffer');
  // 64 bits reduced mod 62^6 (~2^35.7): the bias is below 2^-28, irrelevant for a checksum.
  return toBase62(digest.readBigUInt64BE(0) % CHECKSUM_MODULUS, API_TOKEN_CHECKSUM_LENGTH);
}

/** Mints a new API token: 26 uniform base62 characters from the CSPRNG plus their checksum. */
export function generateApiToken(): string {
  const random = randomBase62(API_TOKEN_RANDOM_LENGTH);
  return random + apiTokenChecksum(random);
}

/** True for a current-format token: 32 base62 characters whose last 6 are the checksum of the first 26. */
export function isWellFormedCurrentApiToken(candidate: string): boolean {
  if (candidate.length !== API_TOKEN_LENGTH || !TOKEN_PATTERN.test(candidate)) return false;
  return apiTokenChecksum(candidate.slice(0, API_TOKEN_RANDOM_LENGTH)) === candidate.slice(API_TOKEN_RANDOM_LENGTH);
}

/**
 * The offline pre-check of every place that takes an API token (exchange, introspection, revoke, scanner):
 * true for a current token or a still-accepted `tsr_` one, false for anything else without a store lookup.
 */
export function isWellFormedApiToken(candidate: string): boolean {
  return isWellFormedCurrentApiToken(candidate) || isWellFormedLegacyApiToken(candidate);
}

/**
 * True when the candidate is as long as a token of either format: the free test that bounds what the exchange
 * hashes before it looks in its cache. Not a validation: isWellFormedApiToken still runs before any store lookup.
 */
export function hasApiTokenLength(candidate: string): boolean {
  return candidate.length === API_TOKEN_LENGTH || candidate.length === LEGACY_API_TOKEN_LENGTH;
}

/** SHA-256 of the whole token string, hex: the only form the server stores (both formats). */
export function hashApiToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** The displayable start of a token (never enough to use it): 4 characters, or `tsr_` + 6 for a legacy one. */
export function apiTokenStart(token: string): string {
  return token.startsWith(LEGACY_API_TOKEN_PREFIX) ? token.slice(0, LEGACY_API_TOKEN_START_LENGTH) : token.slice(0, API_TOKEN_START_LENGTH);
}

/** `AbCd…` (or `tsr_AbCdEf…`) with the rest masked, for logs, scanners and lists. */
export function maskApiToken(token: string): string {
  return apiTokenStart(token) + '…';
}
