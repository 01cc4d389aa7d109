/**
 * User passwords: argon2id (@node-rs/argon2, OWASP minimum m=19 MiB, t=2, p=1), hashed off the main thread.
 * API tokens are NOT passwords: they are random secrets of >= 154 bits and only need SHA-256 (api-token-format.ts).
 *
 * What is hashed is the password's NFKC form (NIST SP 800-63B §5.1.1.2), so that `pässword` typed on a Mac
 * (decomposed: a + U+0308), on Windows or Linux (precomposed) or in fullwidth on a phone's IME is one password. Every
 * door that sets a password ends here (hashPassword), and the rules (passwordProblem) measure what is hashed, in code
 * points. Hashes made before 2026-12-06 are of the raw text: matchPassword tries the NFKC form first, then the raw text
 * when it differs, and answers 'legacy' on a raw-text match so that the sign-in rehashes it (sessions.ts).
 */
import { hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { TesseraError } from '../domain/errors.js';
import { FairSlots } from '../domain/fair-slots.js';

// algorithm 2 = Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** The form of a password that is hashed and compared: NFKC. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Whether two typed passwords are the same password (a confirmation field, "new differs from current"). */
export function samePassword(a: string, b: string): boolean {
  return normalizePassword(a) === normalizePassword(b);
}

/** The argon2id hash of the password's NFKC form. */
export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), OPTIONS);
}

/** A real hash of a random string, verified against when the user does not exist, so both paths cost the same. */
let decoyHash: Promise<string> | null = null;

/**
 * At most this many argon2 verifications run at once (each takes ~19 MiB and a core for ~20 ms); the rest wait, each
 * client (address block) in a line of its own, served in turn (domain/fair-slots.ts), and a client past its line's
 * bound, or a new one while too many wait, is refused with 503 at once. A flood of guesses from many addresses then
 * slows itself, not the thread pool that every other request shares, nor the other clients' sign-ins.
 */
const verifications = new FairSlots({
  slots: Math.max(2, availableParallelism()),
  perClientWaiting: 64,
  maxClientsWaiting: 1024,
});
const busy = () =>
  new TesseraError('SERVICE_UNAVAILABLE', 'Too many sign-ins in progress; retry shortly', { headers: { 'Retry-After': '1' } });

/** Callers that name no client share one line (''). */
const bounded = <T>(client: string, work: () => Promise<T>): Promise<T> => verifications.run(client, work, busy);

/**
 * Whether `password` is the one `passwordHash` was made from: 'yes', 'no', or 'legacy' when it matched only as typed,
 * not in its NFKC form (a hash made before passwords were normalized: the caller rehashes it, see rehashOnSignIn).
 *
 * Cost: one argon2 verification when the typed text is its own NFKC form (almost every password: ASCII, precomposed
 * Latin), two when it differs, whatever the answer: the raw text is tried only then, and the decoy of an unknown user
 * costs the same number, so neither the second try nor its absence tells a right password, a wrong one or an unknown
 * user apart. Both run in one slot of the bound below. `client`: the caller's address block
 * (domain/address-block.ts), whose turn it is to be verified.
 */
export async function matchPassword(passwordHash: string | null, password: string, client = ''): Promise<'yes' | 'no' | 'legacy'> {
  const normalized = normalizePassword(password);
  const tries = normalized === password ? [normalized] : [normalized, password];
  if (passwordHash === null) {
    decoyHash ??= hashPassword(`decoy-${Math.random()}`);
    const decoy = await decoyHash;
    await bounded(client, async () => {
      for (const attempt of tries) await verify(decoy, attempt);
    }).catch((err: unknown) => {
      if (err instanceof TesseraError) throw err;
    });
    return 'no';
  }
  try {
    return await bounded(client, async () => {
      if (await verify(passwordHash, normalized)) return 'yes';
      // Only when the raw text differs from its NFKC form: a wrong ASCII password costs one verification, not two.
      if (tries.length === 2 && (await verify(passwordHash, password))) return 'legacy';
      return 'no';
    });
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    return 'no';
  }
}

/** matchPassword as a yes or no (no rehash: a check that is not a sign-in, such as an echoed password). */
export async function verifyPassword(passwordHash: string | null, password: string, client = ''): Promise<boolean> {
  return (await matchPassword(passwordHash, password, client)) !== 'no';
}

/** Passwords Tessera accepts for users: long enough to matter, short enough to hash. */
export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return 'password must be a string';
  // Measured on what is hashed, in code points (NIST SP 800-63B): four `e` + U+0301 are four characters, not eight,
  // and an emoji is one.
  const length = [...normalizePassword(password)].length;
  if (length < 8) return 'password must be at least 8 characters';
  if (length > 256) return 'password must be at most 256 characters';
  return null;
}

/** A generated password for bootstrap and demo users: 20 characters, ~119 bits. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
