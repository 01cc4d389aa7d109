/**
 * Tokens in the first (`tsr_` + 49) format, which Tessera no longer mints but must keep accepting: built here
 * with an encoder independent of src/, and planted in a running server's store exactly as the old version's
 * mint wrote them (register over HTTP, then the one-shot mint with the legacy token's hash and start).
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from '../../src/domain/api-token-legacy.js';
import { apiTokenStart, hashApiToken } from '../../src/domain/api-token-format.js';
import type { Store } from '../../src/store/store.js';
import { http, oauthPath } from './api.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(value: bigint, width: number): string {
  let out = '';
  for (let n = value; n > 0n; n /= 62n) out = BASE62[Number(n % 62n)] + out;
  return out.padStart(width, '0');
}

/** A legacy token from 32 bytes (random by default): `tsr_` + 43 base62 of the bytes + 6 base62 of CRC-32. */
export function legacyApiToken(bytes: Uint8Array = randomBytes(32)): string {
  const head = 'tsr_' + base62(BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0')), 43);
  return head + base62(BigInt(crc32(head)), 6);
}

/** Registers a token over HTTP and mints it with a legacy secret, as a pre-upgrade Tessera did. */
export async function plantLegacyApiToken(
  baseUrl: string,
  store: Store,
  sessionToken: string,
  org: string,
  name: string,
): Promise<{ clientId: string; tokenId: string; apiToken: string }> {
  const reg = await http(`${baseUrl}${oauthPath(org)}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sessionToken}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
    body: JSON.stringify({ client_name: name }),
  });
  if (reg.status !== 200) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const clientId = reg.json().client_id as string;
  const apiToken = legacyApiToken();
  if (!(await store.mintApiToken(clientId, hashApiToken(apiToken), apiTokenStart(apiToken), Date.now()))) {
    throw new Error('legacy mint refused');
  }
  return { clientId, tokenId: `urn:vcloud:token:${clientId}`, apiToken };
}
