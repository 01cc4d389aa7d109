/**
 * The first API-token format (Tessera before 32-character tokens), still ACCEPTED but never minted again:
 *
 *   tsr_<43 base62 chars: 256 random bits><6 base62 chars: CRC-32 of everything before it>   (53 characters)
 *
 * Tokens already handed out in this shape keep working until they are revoked or expire, so no deployed script
 * breaks on upgrade; the exchange, introspection, RFC 7009 revoke and `tessera scan` recognise both shapes
 * (api-token-format.ts dispatches). Why it was retired: the VCD blog's PowerShell sends the exchange with a
 * hard-coded `Content-Length: 71`, which fits only a 32-character token (docs/token-format.md).
 */
import { toBase62 } from './base62.js';

export const LEGACY_API_TOKEN_PREFIX = 'tsr_';
const BODY_LENGTH = 43; // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
export const LEGACY_API_TOKEN_LENGTH = LEGACY_API_TOKEN_PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH;
/** What was stored for display: the prefix plus six characters of the random part. */
export const LEGACY_API_TOKEN_START_LENGTH = LEGACY_API_TOKEN_PREFIX.length + 6;

const TOKEN_PATTERN = new RegExp(`^${LEGACY_API_TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);
/**
 * For scanners: candidates in free text; each must still pass `isWellFormedLegacyApiToken`. No boundary on either
 * side: the prefix says where a legacy token starts and the checksum whether it is one, so an escape or a word stuck
 * to it (`\ntsr_…` in a JSON log, `%3Dtsr_…` in a URL, `name_tsr_…`, `…tsr_<token>xyz`) leaves it found. Until
 * 2026-12-06 neither side could touch a letter or digit (nor the front an underscore), and `tessera scan` and the log
 * redaction missed those, as the current format's search did until 2026-12-05.
 */
export const LEGACY_API_TOKEN_SEARCH_PATTERN = new RegExp(`${LEGACY_API_TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}`, 'g');

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3), the checksum GitHub uses for the same purpose. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The 6-character CRC-32 checksum of a legacy token's head (`tsr_` + body). */
export function legacyChecksumOf(head: string): string {
  return toBase62(BigInt(crc32(head)), CHECKSUM_LENGTH);
}

/** True when `candidate` has the `tsr_` prefix, the length, the alphabet and a matching CRC-32. */
export function isWellFormedLegacyApiToken(candidate: string): boolean {
  if (candidate.length !== LEGACY_API_TOKEN_LENGTH || !TOKEN_PATTERN.test(candidate)) return false;
  const head = candidate.slice(0, LEGACY_API_TOKEN_PREFIX.length + BODY_LENGTH);
  return legacyChecksumOf(head) === candidate.slice(head.length);
}
