/**
 * A query string must be valid percent-encoding of UTF-8 (RFC 3986 §2.1, WHATWG URL's application/x-www-form-urlencoded
 * parser): `%C3%28` (a lead byte without its continuation), `%FF` (never UTF-8), `%ED%A0%80` (an encoded surrogate) or
 * `%G1` encode no text. Fastify's query parser keeps such a sequence as it was typed, so until 2026-12-06 the
 * cloudapi's lists answered `filter=name==%C3%28` with an empty list (and `?x=%FF` with the list), where `/api/query`
 * (its own parser, inventory/query/params.ts) answered 400. Checked once for every request (app.ts onRequest), so
 * every area answers the same 400 in its own format: VCD's Error under /api, the cloudapi's JSON, the OAuth envelope,
 * the portal's page.
 */

/** The first `&`-separated piece of the request's query string that is not valid percent-encoded UTF-8, or null. */
export function invalidQueryPiece(url: string): string | null {
  const start = url.indexOf('?');
  if (start === -1) return null;
  const query = url.slice(start + 1);
  // Nothing to decode, nothing to get wrong: the common case costs one scan.
  if (!query.includes('%')) return null;
  for (const piece of query.split('&')) {
    if (!piece.includes('%')) continue;
    try {
      decodeURIComponent(piece);
    } catch {
      return piece;
    }
  }
  return null;
}

/** The 400's sentence (the one `/api/query` has always given). */
export function invalidQueryMessage(piece: string): string {
  return `The query string is not valid URL encoding near "${piece.slice(0, 40)}"`;
}
