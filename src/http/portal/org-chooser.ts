/**
 * The organization chooser's lookup (`/` and `/tenant?org=...`): people type what they know, which is often the
 * org's display name ("ACME Corporation") or its name in another case ("ACME"). Resolution, in order:
 *   1. the org's name, any case                  -> that org
 *   2. the org's full (display) name, any case   -> that org when exactly one has it; "ambiguous" when several do
 *   3. nothing matches                           -> the name as typed; its sign-in page then answers as for any
 *      wrong credentials. A display name shared by several orgs is said to be ambiguous without naming them.
 * So the chooser does tell whether a name is an org's (a name in another case, or a display name, leads to the org's
 * own name): that is what taking the display name means (issue 14). What keeps it from being a bulk oracle of org
 * names is a budget of look-ups per client address (services.ts ORG_LOOKUPS_PER_MINUTE, a 429 past it). The sign-in
 * pages themselves answer the same for any org name, known or not.
 * Whitespace is trimmed and inner runs of spaces count as one.
 */
import type { Store } from '../../store/store.js';

export type ChosenOrg = { kind: 'org'; name: string } | { kind: 'ambiguous' } | { kind: 'as-typed'; name: string };

export async function resolveChosenOrg(store: Store, typed: string): Promise<ChosenOrg> {
  const wanted = typed.trim().replace(/\s+/g, ' ');
  const byName = await store.getOrgByName(wanted);
  if (byName) return { kind: 'org', name: byName.name };
  const lower = wanted.toLowerCase();
  const byFullName = await store.db
    .selectFrom('orgs')
    .select('name')
    .where((eb) => eb(eb.fn('lower', ['full_name']), '=', lower))
    .limit(2)
    .execute();
  if (byFullName.length === 1) return { kind: 'org', name: byFullName[0]!.name };
  if (byFullName.length > 1) return { kind: 'ambiguous' };
  return { kind: 'as-typed', name: wanted };
}
