/**
 * Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name). The demo and the generator derive
 * every id from the org's id and the entity's path, so a given org always gets the same inventory ids.
 */
import { createHash } from 'node:crypto';

export function nameBasedUuid(namespace: string, name: string): string {
  const hash = createHash('sha1').update(namespace).update('\u0000').update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
