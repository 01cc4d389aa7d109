/**
 * An org's metadata, written through VCD's admin API (`/api/admin/org/{id}/metadata`), as govcd's AdminOrg
 * metadata calls and Terraform's `vcd_org` (`metadata_entry`, the older `metadata` map) send it. The provider's
 * alone (policy action `org.manage`), like every other write of an org.
 *
 * An org's metadata belongs to the admin API: the inventory file and the sync API describe VDCs, vApps and VMs
 * and never write it, so nothing else overwrites what is set here. Each change is one transaction (a merge of
 * several entries lands whole or not at all) and one audit event naming the keys, never the values (a value may
 * be anything a provider chose to keep there).
 */
import type { Store, Org } from '../store/store.js';
import type { AuditLog } from './audit.js';
import type { Principal } from '../domain/principal.js';
import { badRequest, forbidden } from '../domain/errors.js';
import { can } from '../domain/policy.js';
import { assertSessionStands } from './session-stands.js';
import { MAX_METADATA_ENTRIES, type MetadataDomain, type MetadataEntry } from '../domain/metadata-entry.js';

export class OrgMetadataAdmin {
  private readonly store: Store;
  private readonly audit: AuditLog;

  constructor(deps: { store: Store; audit: AuditLog }) {
    this.store = deps.store;
    this.audit = deps.audit;
  }

  /**
   * VCD's merge (`POST .../metadata`): the entries sent are created or replaced, every other entry is kept. A
   * key sent twice in one document is refused rather than one of its values picked.
   */
  async merge(actor: Principal, org: Org, entries: readonly MetadataEntry[], ip: string | null): Promise<Org> {
    if (!can(actor, 'org.manage')) throw forbidden();
    if (entries.length === 0) throw badRequest('The Metadata document holds no MetadataEntry');
    const seen = new Set<string>();
    for (const e of entries) {
      const id = `${e.domain}/${e.key}`;
      if (seen.has(id)) throw badRequest(`Metadata "${e.key}" (${e.domain}) is given twice`);
      seen.add(id);
    }
    await this.store.transaction(async (trx) => {
      // Only for a session that still stands (session-stands.ts): until 2026-12-07 a stolen provider session, cut off
      // on another node a moment before, could still set or remove an org's metadata.
      await assertSessionStands(this.store, trx, actor, { lock: false });
      for (const e of entries) {
        await trx
          .insertInto('metadata')
          .values({
            entity_kind: 'org',
            entity_id: org.id,
            org_id: org.id,
            domain: e.domain,
            key: e.key,
            value: e.value,
            value_type: e.valueType,
            visibility: e.visibility,
          })
          .onConflict((oc) =>
            oc
              .columns(['entity_kind', 'entity_id', 'domain', 'key'])
              .doUpdateSet({ value: e.value, value_type: e.valueType, visibility: e.visibility }),
          )
          .execute();
      }
      const { count } = await trx
        .selectFrom('metadata')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('entity_kind', '=', 'org')
        .where('entity_id', '=', org.id)
        .executeTakeFirstOrThrow();
      // Checked after the writes, inside the transaction: replacing entries never counts against the limit.
      if (Number(count) > MAX_METADATA_ENTRIES) {
        throw badRequest(`An organization carries at most ${MAX_METADATA_ENTRIES} metadata entries; this change would make ${count}`);
      }
    });
    await this.record(actor, org, ip, 'set', entries);
    return org;
  }

  /** VCD's `DELETE .../metadata/[SYSTEM/]{key}`: a key the org does not carry is the same 403 as an unknown org. */
  async remove(actor: Principal, org: Org, domain: MetadataDomain, key: string, ip: string | null): Promise<Org> {
    if (!can(actor, 'org.manage')) throw forbidden();
    const deleted = await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, actor, { lock: false });
      return trx
        .deleteFrom('metadata')
        .where('entity_kind', '=', 'org')
        .where('entity_id', '=', org.id)
        .where('domain', '=', domain)
        .where('key', '=', key)
        .returning('visibility')
        .executeTakeFirst();
    });
    if (!deleted) throw forbidden(`The organization has no metadata entry "${key}" in the ${domain} domain`);
    await this.record(actor, org, ip, 'removed', [{ domain, key, visibility: deleted.visibility }]);
    return org;
  }

  /**
   * The org's audit trail is the tenant's to read (its administrators see their org's events), and a PRIVATE entry
   * is the provider's alone: its key is not named in the event, only counted, so the trail does not tell a tenant
   * what the provider keeps about it. GENERAL and READONLY entries are named as `DOMAIN/key`.
   */
  private async record(
    actor: Principal,
    org: Org,
    ip: string | null,
    change: 'set' | 'removed',
    entries: ReadonlyArray<{ domain: string; key: string; visibility: string }>,
  ) {
    const shown = entries.filter((e) => e.visibility !== 'PRIVATE').map((e) => `${e.domain}/${e.key}`);
    const hidden = entries.length - shown.length;
    const details: Record<string, string> = {};
    if (shown.length > 0) details[change] = shown.join(', ');
    if (hidden > 0) details[change === 'set' ? 'privateEntriesSet' : 'privateEntriesRemoved'] = String(hidden);
    await this.audit.record({
      type: 'org.metadataChanged',
      actor: { id: actor.userId, name: actor.userName },
      org: { id: org.id, name: org.name },
      ip,
      details: { orgId: org.id, ...details },
    });
  }
}
