/**
 * A write refused by a unique constraint: the loser of two requests that both checked a name was free and both
 * inserted it. The check before the insert gives the friendly answer in the common case; this turns the race's
 * driver error into the same answer instead of a 500 (until 2026-12-05 two users, or two service accounts, created
 * with one name at once got 201 and 500).
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // PostgreSQL's SQLSTATE; better-sqlite3's extended result codes.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A write refused by a foreign key: what it refers to (an org, a role, a user) was deleted by another request after
 * this one had checked it. A client error of timing, never a 500.
 */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * Whether a foreign-key refusal was of a delete (the row is still referred to: something was given it meanwhile) rather
 * than of an insert or update referring to a row gone. PostgreSQL says which in its message; SQLite does not (it runs
 * one write at a time, so its deletes meet no such race: their checks happen in the same transaction).
 */
export function isStillReferenced(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /^update or delete on table /.test(message);
}
