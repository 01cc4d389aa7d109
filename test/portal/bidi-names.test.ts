/**
 * Names that can reorder a page (right-to-left letters, bidi controls: "Trojan Source", CVE-2021-42574) through the
 * portal, on the configured backend: a new token name with a bidi control or an invisible character is a form error
 * that keeps what was typed and creates nothing; a name in Hebrew is accepted and shown isolated (<bdi> in the list
 * and on the revoke page, U+2068..U+2069 around it in the message after the revoke); a row written before names
 * refused bidi controls still loads, is shown isolated and can be revoked. The drawn order is checked in Chromium by
 * test/e2e/bidi.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient, csrfFrom } from './portal-client.js';
import { mintedTokenRow } from '../store/fixtures.js';

const ACME = '/tenant/acme';
const FSI = '\u2068';
const PDI = '\u2069';

describe('portal: names with right-to-left text and bidi controls', () => {
  let t: TesseraHandle;
  let bob: PortalClient;

  before(async () => {
    t = await startTessera({ demo: true });
    bob = new PortalClient(t.server.app);
    await bob.signIn(ACME, 'bob', t.demoPassword);
  });
  after(async () => t?.stop());

  const tokenCount = async () =>
    Number(
      (
        await t.store.db
          .selectFrom('api_tokens')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const create = async (name: string) => {
    const form = await bob.get(`${ACME}/preferences/tokens/new`);
    return bob.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name, expiresOn: '2031-01-31' });
  };

  test('a new token name with a bidi control or an invisible character is a form error; nothing is created', async () => {
    const before = await tokenCount();
    for (const [name, rule] of [
      ['\u202Eabc', /must not contain bidirectional text controls \(it holds U\+202E\)/],
      ['x\u2067y', /bidirectional text controls \(it holds U\+2067\)/],
      ['zero\u200Bwidth', /invisible characters \(it holds U\+200B\)/],
      ['b\uFEFFom', /invisible characters \(it holds U\+FEFF\)/],
    ] as const) {
      const res = await create(name);
      assert.equal(res.statusCode, 400, JSON.stringify(name));
      assert.match(res.body, rule);
      // What was typed is kept as typed (an attribute value is never isolated: it is what the form sends back).
      assert.ok(res.body.includes(`value="${name}"`), `the form keeps ${JSON.stringify(name)}`);
      assert.match(res.body, /<input id="token-name"[^>]* aria-invalid="true"/);
    }
    assert.equal(await tokenCount(), before, 'nothing created');
  });

  test('a name in Hebrew is accepted, shown isolated in the list, on the revoke page and in the message after it', async () => {
    const name = 'שלום 123';
    const made = await create(name);
    assert.equal(made.statusCode, 303, made.body.slice(0, 300));
    await bob.get(`${ACME}/preferences/tokens/created`);
    const row = await t.store.db.selectFrom('api_tokens').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    const list = await bob.get(`${ACME}/preferences`);
    assert.match(list.body, new RegExp(`<th scope="row" class="cell-name" data-label="Name"><bdi>${name}</bdi></th>`));
    assert.ok(list.body.includes(`aria-label="Revoke ${name}"`), 'attributes as they were');
    const confirm = await bob.get(`${ACME}/tokens/${row.id}/revoke?from=preferences`);
    assert.ok(confirm.body.includes(`Revoke <span class="token-name"><bdi>${name}</bdi></span>?`), 'the question isolates the name');
    const res = await bob.post(`${ACME}/tokens/${row.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'preferences' });
    assert.equal(res.statusCode, 303);
    const done = await bob.get(res.headers.location as string);
    assert.ok(done.body.includes(`The API token &quot;${FSI}${name}${PDI}&quot; was revoked.`), 'the message isolates the name inside it');
  });

  test('a row written before bidi controls were refused still loads, isolated, and can be revoked', async () => {
    const user = (await t.store.getUserByName((await t.store.getOrgByName('acme'))!.id, 'bob'))!;
    const name = '\u202Eold-exe.txt';
    const row = mintedTokenRow(user.org_id, user.id, { name });
    await t.store.db.insertInto('api_tokens').values(row).execute();
    const list = await bob.get(`${ACME}/preferences`);
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes(`<bdi>${name}</bdi>`));
    const confirm = await bob.get(`${ACME}/tokens/${row.id}/revoke?from=preferences`);
    assert.equal(confirm.statusCode, 200);
    assert.ok(confirm.body.includes(`Revoke <span class="token-name"><bdi>${name}</bdi></span>?`));
    const res = await bob.post(`${ACME}/tokens/${row.id}/revoke`, { _csrf: csrfFrom(confirm.body), from: 'preferences' });
    assert.equal(res.statusCode, 303);
    const revoked = await t.store.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', row.id).executeTakeFirstOrThrow();
    assert.notEqual(revoked.revoked_at, null);
  });
});
