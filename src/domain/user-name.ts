/**
 * The one rule for user names, whichever door creates the user (cloudapi, the legacy XML admin API, the portal,
 * the CLI through either API, the bootstrap). Pure: it says what is wrong, the caller throws.
 *
 * VCD refuses `/ \ : * ? " < > |` and a leading `@` or space; a later `@` is allowed (`jane@example.com`, which
 * Basic auth splits on its LAST `@`: vcd-wire §3.1). On top of that a name must be one a person can type and
 * read back as the only name it looks like: a name the Basic-auth parser refuses (a control character) or the
 * portal trims (surrounding whitespace) could never sign in, and an invisible or bidi character, or a
 * compatibility form NFKC folds (fullwidth `ａlice`), would make a lookalike of another user in lists and audit.
 * Letters of every script stay accepted (Turkish `ı`, accented letters, CJK): only their NFKC spelling counts.
 */

export const MAX_USER_NAME_LENGTH = 128;

/** Characters VCD refuses anywhere in a user name. */
const RESERVED = /[/\\:*?"<>|]/;
/** C0, DEL and C1 controls. */
const CONTROL = /\p{Cc}/u;
/** Bidirectional controls: embeddings, overrides, isolates, the marks (LRM, RLM, ALM). */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Characters that render as nothing: zero-width space and joiners, word joiner, BOM, soft hyphen, fillers, tags... */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u;
/** A UTF-16 surrogate without its pair: not a character at all. */
const LONE_SURROGATE = /\p{Cs}/u;
const WHITESPACE = /\p{White_Space}/u;
/**
 * Five or more combining marks in a row ("Zalgo" text): drawn over the lines above and below, they covered other
 * rows of a list and their buttons. Real writing stacks fewer (Vietnamese two, Tibetan up to four).
 */
const STACKED_MARKS = /\p{M}{5,}/u;

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Characters refused anywhere, in the order they are looked for, with what the message calls them. */
const REFUSED_ANYWHERE: ReadonlyArray<readonly [RegExp, string]> = [
  [LONE_SURROGATE, 'must be well-formed Unicode, without a lone surrogate'],
  [CONTROL, 'must not contain control characters'],
  [BIDI, 'must not contain bidirectional text controls'],
  [INVISIBLE, 'must not contain zero-width or other invisible characters'],
  [STACKED_MARKS, 'must not stack more than four combining marks on one character'],
];

/** Why `name` cannot be a user name, as a sentence for a 400; null when it can. */
export function userNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > MAX_USER_NAME_LENGTH) return `name must be 1-${MAX_USER_NAME_LENGTH} characters`;
  for (const [pattern, rule] of REFUSED_ANYWHERE) {
    const m = pattern.exec(name);
    if (m) return `name ${rule} (it holds ${codePoint(m[0])})`;
  }
  const chars = [...name];
  const first = chars[0]!;
  const last = chars.at(-1)!;
  if (WHITESPACE.test(first) || WHITESPACE.test(last)) {
    return `name must not start or end with a space or other whitespace (it holds ${codePoint(WHITESPACE.test(first) ? first : last)})`;
  }
  for (const ch of chars) {
    if (ch !== ' ' && WHITESPACE.test(ch))
      return `name must not contain whitespace other than the plain space U+0020 (it holds ${codePoint(ch)})`;
  }
  if (RESERVED.test(name)) return 'name must not contain any of / \\ : * ? " < > |';
  if (first === '@') return 'name must not start with "@" (an "@" later in the name is fine)';
  const nfkc = name.normalize('NFKC');
  if (nfkc !== name) {
    const suggestion = userNameProblem(nfkc) === null ? ` (write "${nfkc}")` : '';
    return `name must be written in Unicode normalization form NFKC: no compatibility forms such as fullwidth letters or ligatures, no decomposed accents${suggestion}`;
  }
  return null;
}

/**
 * Why `text` cannot be a display name (a role's, a group's, a rights bundle's, a token's, a service account's, a
 * user's full name), as a sentence for a 400; null when it can. The characters refused anywhere in a user name are
 * refused here too: these names are read in lists and in the audit trail, where a control, a bidi control or an
 * invisible character hides or reorders what is shown (and the XML API dropped controls that JSON kept, so the
 * two showed different names), and a lone surrogate is no character at all.
 */
export function displayNameProblem(field: string, text: string): string | null {
  for (const [pattern, rule] of REFUSED_ANYWHERE) {
    const m = pattern.exec(text);
    if (m) return `${field} ${rule} (it holds ${codePoint(m[0])})`;
  }
  return null;
}

/**
 * The form in which two names are compared when they are looked up or checked for a duplicate: NFKC, then lower
 * case. A user name stored is already NFKC (userNameProblem), so this only changes what is typed or sent: a name
 * typed on a Mac or pasted from a file name (`jose` + U+0301, decomposed), or with fullwidth letters from an IME
 * (`ｊosé`), finds the user `josé`. Display names (roles, groups, service accounts, API tokens) may be stored in any
 * form, and two of them that are equal here look the same in a list: `Café` precomposed and decomposed, `ﬁnance`
 * and `finance`, `Ｏps` and `Ops`.
 */
export const nameKey = (name: string): string => name.normalize('NFKC').toLowerCase();

/** True when `a` and `b` would be read as one name (nameKey). */
export const looksLikeName = (a: string, b: string): boolean => nameKey(a) === nameKey(b);

/**
 * `user@org` as sign-in limits count it (the limiter per address and name, the brakes per account): every spelling
 * that signs in to one account (any case, any Unicode form) is one account there, so varying the spelling of a
 * name buys no more guesses.
 */
export const signInAccount = (userName: string, orgName: string): string => `${nameKey(userName)}@${nameKey(orgName)}`;

/**
 * The first of `existing` (other than `selfId`, the one being renamed) whose name would be read as `name`
 * (nameKey): the duplicate a new or renamed role, group, service account or token would make.
 */
export function lookalikeOf<T extends { readonly id: string; readonly name: string }>(
  existing: Iterable<T>,
  name: string,
  selfId?: string,
): T | undefined {
  const key = nameKey(name);
  for (const entity of existing) if (entity.id !== selfId && nameKey(entity.name) === key) return entity;
  return undefined;
}

/**
 * The 400's sentence for `name` when `existing` already holds it (lookalikeOf), e.g. `A role named "Ops" already
 * exists`. When the two differ other than in case, the sentence says how: the names are drawn alike, and a
 * message that showed two identical names would read as nonsense.
 */
export function duplicateNameMessage(kind: string, name: string, existing: string): string {
  if (existing.toLowerCase() === name.toLowerCase()) return `A ${kind} named "${name}" already exists`;
  return `A ${kind} named "${existing}" already exists, and "${name}" would be read as the same name: they differ only in case, character width or how accents are encoded (Unicode NFKC)`;
}
