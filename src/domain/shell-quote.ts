/**
 * Quoting text for the shell lines Tessera prints for a user to paste: `tessera headers`, the portal's "use this
 * token" snippets, the serve banner's hints. One place, so that every printed line quotes alike (until 2026-12-08
 * the portal had its own PowerShell quoting, which left PowerShell's typographic quotes as they were).
 */

/** POSIX single quotes: nothing inside is special except the quote itself, which becomes '\'' . */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A word as it is when the shell would read it unchanged (a path, a flag's value), else shellQuote'd. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : shellQuote(value);
}

/**
 * PowerShell single-quoted string: a quote is doubled. PowerShell reads the typographic single quotes (U+2018
 * to U+201B) as quotes too, so they are doubled alike.
 */
export function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}
