/**
 * The public keys GitHub signs its secret scanning partner messages with (docs/security.md "GitHub secret
 * scanning"): the JSON GitHub publishes at https://api.github.com/meta/public_keys/secret_scanning, which the
 * operator downloads into a file (`--github-secret-scanning-keys FILE`).
 *
 * A file, not a fetch (decided 2026-12-07): a server must not depend on github.com answering to start or to verify
 * a message, and the operator decides which keys it trusts. Read at start (a bad file stops the start, naming it)
 * and again on SIGHUP, which keeps the keys it had when the new file is bad.
 *
 * Every listed key is trusted, `is_current` or not: GitHub lists a key it is retiring beside its successor, and a
 * message signed with it just before the rotation is still GitHub's.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** GitHub's key identifiers are SHA-256 hex (64 digits); up to 128 hex digits are accepted. */
const KEY_IDENTIFIER = /^[0-9a-f]{1,128}$/i;
/** A DER ECDSA P-256 signature is at most 72 bytes: 96 base64 characters. Anything much longer is not one. */
const SIGNATURE = /^[A-Za-z0-9+/]{1,200}={0,2}$/;

export class GithubScanningKeysError extends Error {}

/** Whether `value` has the shape of a key identifier (hex), whether or not a key of the file has it. */
export function isKeyIdentifier(value: string): boolean {
  return KEY_IDENTIFIER.test(value);
}

/** The keys of one file, by lower-case identifier. Throws GithubScanningKeysError naming the file and what is wrong. */
export function parseGithubScanningKeys(text: string, path: string): ReadonlyMap<string, KeyObject> {
  const bad = (why: string) => new GithubScanningKeysError(`${path}: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('not JSON (expected the answer of https://api.github.com/meta/public_keys/secret_scanning)');
  }
  const list = (parsed as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(list) || list.length === 0) throw bad('no "public_keys" array with at least one key');
  const keys = new Map<string, KeyObject>();
  list.forEach((entry: unknown, i) => {
    const { key_identifier: id, key: pem } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
    if (typeof id !== 'string' || !KEY_IDENTIFIER.test(id)) throw bad(`public_keys[${i}].key_identifier is not a hex identifier`);
    if (typeof pem !== 'string') throw bad(`public_keys[${i}].key is not a PEM public key`);
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw bad(`public_keys[${i}].key is not a PEM public key`);
    }
    // GitHub signs with ECDSA over P-256 and SHA-256: another kind of key here is not GitHub's.
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw bad(`public_keys[${i}].key is not an ECDSA P-256 key`);
    }
    keys.set(id.toLowerCase(), key);
  });
  return keys;
}

export function readGithubScanningKeys(path: string): ReadonlyMap<string, KeyObject> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GithubScanningKeysError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseGithubScanningKeys(text, path);
}

/** Why a message is refused; logged (never the body), not told to the sender. */
export type SignatureProblem = 'no key identifier' | 'unknown key identifier' | 'no signature' | 'bad signature';

export class GithubScanningKeys {
  private keys: ReadonlyMap<string, KeyObject>;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.keys = readGithubScanningKeys(path);
  }

  /** Reads the file again (SIGHUP). Throws, keeping the keys it had, when the file is not a valid key list. */
  reload(): number {
    this.keys = readGithubScanningKeys(this.path);
    return this.keys.size;
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Null when `signature` (base64 DER ECDSA) is the key `keyId`'s over exactly `body`'s bytes; else why not.
   * A header sent twice arrives as an array: refused like a missing one.
   */
  problem(keyId: unknown, signature: unknown, body: Buffer): SignatureProblem | null {
    if (typeof keyId !== 'string' || keyId === '') return 'no key identifier';
    const key = KEY_IDENTIFIER.test(keyId) ? this.keys.get(keyId.toLowerCase()) : undefined;
    if (!key) return 'unknown key identifier';
    if (typeof signature !== 'string' || signature === '') return 'no signature';
    if (!SIGNATURE.test(signature)) return 'bad signature';
    try {
      return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64')) ? null : 'bad signature';
    } catch {
      return 'bad signature';
    }
  }
}
