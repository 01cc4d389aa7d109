/**
 * HMAC-SHA256 (RFC 2104) with one key, computed as two one-shot SHA-256 digests over the key's padded blocks, for
 * the access tokens' signature: the exchange signs one per request and every bearer check verifies one.
 *
 * Why not `createHmac`: each call builds an `Hmac` object (a native object with a weak handle, an OpenSSL context
 * and its provider lookup) and, asked for a string, a `Buffer` on the way. In a loop that costs 1.9 µs against
 * 1.0 µs here, and under the exchange's load a CPU profile put the `Hmac` constructor alone at about 7 µs per
 * request, when its allocations and OpenSSL's tables were no longer in the CPU's caches (docs/performance.md, §1).
 * `crypto.hash` is one native call that returns a string and keeps nothing.
 *
 * The construction is the textbook one: H((K ^ opad) || H((K ^ ipad) || message)), K zero-padded to SHA-256's 64-byte
 * block (a longer key is replaced by its SHA-256 first, as RFC 2104 says; Tessera's signing keys are 32 bytes).
 * Nothing in it branches on the key or the message. The message is written into a buffer kept for the purpose, as
 * UTF-8, exactly the bytes `createHmac(...).update(string)` hashes: a latin1 write would map characters above
 * U+00FF onto other bytes, and a presented token carrying them would then verify as the token it imitates while
 * decoding to a different payload (base64url decoding skips characters outside its alphabet).
 * `test/auth/hmac-sha256.test.ts` compares it with `createHmac` for keys, messages and characters of every kind.
 */
import { createHash, createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

const BLOCK = 64;
/** Messages up to this many UTF-16 units take the fast path (3 bytes of UTF-8 each at most); longer ones go to createHmac. */
const MAX_FAST_MESSAGE = 5_000;

export class HmacSha256 {
  /** The key's inner block (K ^ ipad), followed by room for the message. */
  private readonly inner: Buffer;
  /** The key's outer block (K ^ opad), followed by the inner digest's 32 bytes. */
  private readonly outer: Buffer;
  /** The same key, for messages too long for `inner`. */
  private readonly key: KeyObject;

  constructor(secret: Buffer) {
    const blockKey = secret.length > BLOCK ? createHash('sha256').update(secret).digest() : secret;
    // Buffer.alloc, not allocUnsafe: buffers of their own, never a slice of Node's shared pool.
    this.inner = Buffer.alloc(BLOCK + MAX_FAST_MESSAGE * 3);
    this.outer = Buffer.alloc(BLOCK + 32);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < blockKey.length ? blockKey[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
    this.key = createSecretKey(secret);
  }

  /** The MAC of `message` (its UTF-8 bytes), base64url without padding. */
  base64url(message: string): string {
    if (message.length > MAX_FAST_MESSAGE) return createHmac('sha256', this.key).update(message).digest('base64url');
    // Synchronous from the write to the last digest, so the two buffers are never shared between calls.
    const length = BLOCK + this.inner.write(message, BLOCK, 'utf8');
    const innerDigest = hash('sha256', new Uint8Array(this.inner.buffer, this.inner.byteOffset, length), 'binary');
    this.outer.write(innerDigest, BLOCK, 'latin1');
    return hash('sha256', this.outer, 'base64url');
  }
}
