/**
 * The portal's per-version caches of VM pages and VDC usage (src/http/portal/inventory-queries.ts, issue 14 at
 * 100,000 VMs): a repeat is served from the cache, but never after an inventory change (the triggers bump the
 * version). Runs on TESSERA_TEST_BACKEND (sqlite by default).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient } from './portal-client.js';

const ACME = '/tenant/acme';

describe('portal: inventory pages cached per inventory version', () => {
  let server: TesseraHandle;
  let alice: PortalClient;

  before(async () => {
    server = await startTessera({ demo: true });
    alice = new PortalClient(server.server.app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
  });
  after(async () => server?.stop());

  test('a VM renamed after a sorted page was shown appears renamed on the next view', async () => {
    const url = `${ACME}/vms?sort=cpus&direction=desc`;
    const first = await alice.get(url);
    assert.equal(first.statusCode, 200);
    const vm = /href="\/tenant\/acme\/vms\/([0-9a-f-]{36})">([^<]+)</.exec(first.body)!;
    assert.ok(vm, 'a VM on the page');
    assert.equal((await alice.get(url)).body.includes(`>${vm[2]}<`), true, 'the repeat (from the cache) shows it');
    await server.store.db.updateTable('vms').set({ name: 'renamed-after-cache' }).where('id', '=', vm[1]!).execute();
    const after = await alice.get(url);
    assert.match(after.body, />renamed-after-cache</, 'the version moved: the page is read again');
    assert.doesNotMatch(after.body, new RegExp(`>${vm[2]}<`));
  });

  test('the Data Centers usage follows a power change', async () => {
    const page = async () => (await alice.get(`${ACME}/datacenters`)).body;
    const before = await page();
    const running = /(\d+) vCPUs running/.exec(before)!;
    assert.ok(running);
    const on = await server.store.db
      .selectFrom('vms')
      .innerJoin('orgs', 'orgs.id', 'vms.org_id')
      .select(['vms.id', 'vms.cpus'])
      .where('orgs.name', '=', 'acme')
      .where('vms.status', '=', 'POWERED_ON')
      .where('vms.is_template', '=', 0)
      .orderBy('vms.name')
      .executeTakeFirstOrThrow();
    assert.equal(await page(), before, 'a repeat is the same page');
    await server.store.db.updateTable('vms').set({ status: 'POWERED_OFF' }).where('id', '=', on.id).execute();
    const after = await page();
    assert.notEqual(after, before, 'the usage was summed again');
  });
});
