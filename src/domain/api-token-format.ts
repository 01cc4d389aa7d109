/**
 * The API token's wire format: what a user copies once and a script presents at the token endpoint.
 *
 *   tsr_<43 base62 chars: 256 random bits><6 base62 chars: CRC32 of everything before it>
 *
 * Why this shape (GitHub's 2021 token format, see reference/token-systems.md A1):
 * - the fixed prefix `tsr_` makes leaked tokens greppable, and tells a human what they hold;
 * - the checksum lets a scanner (and the server) reject look-alikes offline, before any store lookup;
 * - base62 only, so the token survives being pasted unencoded into a form body or a URL
 *   (govcd <= v2.20 sends it without percent-encoding).
 *
 * The server keeps only SHA-256(token) (a 256-bit secret needs no slow hash: ASVS 5.0 6.5.2) and
 * `start`, the first characters, for display.
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'tsr_';
const BODY_LENGTH = 43; // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
export const API_TOKEN_LENGTH = API_TOKEN_PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH;
/** Characters kept in clear for display: the prefix plus a few of the random part. */
export const API_TOKEN_START_LENGTH = API_TOKEN_PREFIX.length + 6;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_PATTERN = new RegExp(`^${API_TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);
/** For scanners: finds candidates in free text; each must still pass `isWellFormedApiToken`. */
export const API_TOKEN_SEARCH_PATTERN = new RegExp(
  `(?<![0-9A-Za-z_])${API_TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}(?![0-9A-Za-z])`,
  'g',
);

function toBase62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(width, '0');
}

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

function checksumOf(head: string): string {
  return toBase62(BigInt(crc32(head)), CHECKSUM_LENGTH);
}

/** Mints a new API token from 256 bits of CSPRNG output. */
export function generateApiToken(): string {
  const body = toBase62(BigInt('0x' + randomBytes(32).toString('hex')), BODY_LENGTH);
  const head = API_TOKEN_PREFIX + body;
  return head + checksumOf(head);
}

/** True when `candidate` has the prefix, the length, the alphabet and a matching checksum. */
export function isWellFormedApiToken(candidate: string): boolean {
  if (candidate.length !== API_TOKEN_LENGTH || !TOKEN_PATTERN.test(candidate)) return false;
  const head = candidate.slice(0, API_TOKEN_PREFIX.length + BODY_LENGTH);
  return checksumOf(head) === candidate.slice(head.length);
}

/** SHA-256 of the token, hex: the only form the server stores. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The displayable start of a token (never enough to use it). */
export function apiTokenStart(token: string): string {
  return token.slice(0, API_TOKEN_START_LENGTH);
}

/** `tsr_AbCdEf…` with the rest masked, for logs, scanners and lists. */
export function maskApiToken(token: string): string {
  return apiTokenStart(token) + '…';
}
