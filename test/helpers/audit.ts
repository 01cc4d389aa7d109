/** What tests read back from the audit trail. */
import type { Store } from '../../src/store/store.js';

/** The client address the audit trail gave the latest sign-in (`session.created`), or null when there is none yet. */
export async function lastSignInAddress(store: Store): Promise<string | null> {
  const row = await store.db
    .selectFrom('audit_events')
    .select(['ip'])
    .where('event_type', '=', 'session.created')
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? row.ip : null;
}
