/**
 * FIQL's `*` wildcard match in memory, for the lists filtered outside SQL (cloudapi users, groups, roles, rights,
 * bundles). Case-insensitive, whole value, in time linear in the value for each piece: the literal pieces between
 * the wildcards are found left to right, each at its first place after the one before, which is all a pattern of
 * `*` alone can need (no `?`, no classes). Until 2026-12-05 the pieces were joined into a regular expression
 * `^a.*b.*c$`, which backtracks: `name==*********~` took 14 s against the rights catalogue on one request, and
 * held the event loop of the node for every tenant meanwhile.
 */

/** Whether `value` matches the pattern whose literal pieces are `pieces` (`web*` is `['web', '']`). */
export function wildcardMatches(pieces: readonly string[], value: string): boolean {
  const text = value.toLowerCase();
  const parts = pieces.map((p) => p.toLowerCase());
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return text === first;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  // The middle pieces, in order, between the first piece and where the last one must begin.
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const found = text.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
