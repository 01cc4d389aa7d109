/**
 * Base62 ([0-9A-Za-z]) helpers shared by the API-token formats: the only alphabet that survives being pasted
 * unencoded into a form body, a URL, a shell word or a YAML scalar (govcd <= v2.20 sends the token without
 * percent-encoding; the VCD blog's PowerShell hard-codes the body length). Pure apart from the CSPRNG.
 */
import { randomBytes } from 'node:crypto';

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `value` in base62, left-padded with '0' to `width` characters (longer if it does not fit). */
export function toBase62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = BASE62_ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(width, '0');
}

/**
 * `length` characters, each uniform over the 62 symbols: bytes >= 248 (= 4 * 62) are rejected rather than
 * reduced, so no symbol is more likely than another (a plain `byte % 62` would favour the first eight).
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue;
      out += BASE62_ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
