/**
 * A body's text, or null when its bytes are not UTF-8. Decoding leniently turned every malformed byte into U+FFFD,
 * so a name sent in another encoding was stored altered without a word (until 2026-12-05): refused instead, by
 * every route that reads a body as text (app.ts's parsers, GitHub secret scanning's signed bytes). A byte order
 * mark is kept, for the parser to refuse or strip as its API decides.
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8Text(body: Buffer | string): string | null {
  if (typeof body === 'string') return body;
  try {
    return strictUtf8.decode(body);
  } catch {
    return null;
  }
}
