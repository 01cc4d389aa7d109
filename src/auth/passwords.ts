/**
 * User passwords: argon2id (@node-rs/argon2, OWASP minimum m=19 MiB, t=2, p=1), hashed off the main thread.
 * API tokens are NOT passwords: they are random secrets of >= 154 bits and only need SHA-256 (api-token-format.ts).
 */
import { hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { TesseraError } from '../domain/errors.js';
import { FairSlots } from '../domain/fair-slots.js';

// algorithm 2 = Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
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

/** `client`: the caller's address block (domain/address-block.ts), whose turn it is to be verified. */
export async function verifyPassword(passwordHash: string | null, password: string, client = ''): Promise<boolean> {
  if (passwordHash === null) {
    decoyHash ??= hashPassword(`decoy-${Math.random()}`);
    const decoy = await decoyHash;
    await bounded(client, () => verify(decoy, password)).catch((err: unknown) => {
      if (err instanceof TesseraError) throw err;
    });
    return false;
  }
  try {
    return await bounded(client, () => verify(passwordHash, password));
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    return false;
  }
}

/** Passwords Tessera accepts for users: long enough to matter, short enough to hash. */
export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return 'password must be a string';
  if (password.length < 8) return 'password must be at least 8 characters';
  if (password.length > 256) return 'password must be at most 256 characters';
  return null;
}

/** A generated password for bootstrap and demo users: 20 characters, ~119 bits. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
