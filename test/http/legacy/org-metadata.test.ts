/**
 * An org's metadata through VCD's admin API, as govcd's AdminOrg metadata calls and Terraform's `vcd_org`
 * (`metadata_entry`) send it: merge (POST), set one (PUT), delete one (DELETE), read one (GET by key), each write
 * answered with a finished Task govcd can wait on; the entry rules; provider-only writes that change nothing when
 * refused; tenants never seeing PRIVATE entries.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { createApiToken, exchange } from '../../helpers/api.js';
import {
  JSON_ACCEPT,
  child,
  childrenNamed,
  get,
  startDemoServer,
  xmlError,
  xmlRoot,
  type DemoSessions,
  type XmlElement,
} from './support.js';
import { orgXml, send } from './admin-support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
});
after(async () => server?.stop());

const METADATA = 'application/vnd.vmware.vcloud.metadata+xml';
const METADATA_VALUE = 'application/vnd.vmware.vcloud.metadata.value+xml';
const TASK = /^application\/vnd\.vmware\.vcloud\.task\+xml;version=36\.1$/;
let counter = 0;

async function newOrg(): Promise<string> {
  const name = `meta-${process.pid}-${++counter}`;
  const reply = await send(server, 'POST', '/api/admin/orgs', s.admin, orgXml({ name }));
  return xmlRoot(reply, 201, /admin\.organization/).attrs.id!.slice('urn:vcloud:org:'.length);
}

interface Entry {
  key: string;
  value: string;
  type?: string;
  domain?: string;
  visibility?: string;
}

/** `<MetadataEntry>` / the inside of `<MetadataValue>`, as govcd marshals them (namespaced xsi:type). */
const domainXml = (e: Entry) => (e.domain === undefined ? '' : `<Domain visibility="${e.visibility ?? 'READWRITE'}">${e.domain}</Domain>`);
const typedXml = (e: Entry) =>
  `<TypedValue xsi:type="${e.type ?? 'MetadataStringValue'}"><Value>${e.value.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Value></TypedValue>`;
const NS = 'xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const metadataXml = (entries: Entry[]) =>
  `<Metadata ${NS}>${entries.map((e) => `<MetadataEntry ${NS}>${domainXml(e)}<Key>${e.key}</Key>${typedXml(e)}</MetadataEntry>`).join('')}</Metadata>`;
const valueXml = (e: Entry) => `<MetadataValue ${NS}>${domainXml(e)}${typedXml(e)}</MetadataValue>`;

const merge = (orgId: string, entries: Entry[], token = s.admin) =>
  send(server, 'POST', `/api/admin/org/${orgId}/metadata`, token, metadataXml(entries), METADATA);
const put = (orgId: string, path: string, e: Entry, token = s.admin) =>
  send(server, 'PUT', `/api/admin/org/${orgId}/metadata/${path}`, token, valueXml(e), METADATA_VALUE);

/** The org's entries as `domain/key=type:value (visibility)`, read as the provider reads them. */
async function entriesOf(orgId: string, token = s.admin, admin = true): Promise<string[]> {
  const root = xmlRoot(await get(server, `/api/${admin ? 'admin/' : ''}org/${orgId}/metadata`, token), 200, /metadata\+xml/);
  return childrenNamed(root, 'MetadataEntry').map((e) => {
    const typed = child(e, 'TypedValue');
    const domain = child(e, 'Domain');
    return `${domain.text}/${child(e, 'Key').text}=${typed.attrs['xsi:type']}:${child(typed, 'Value').text} (${domain.attrs.visibility})`;
  });
}

/** The Task a write answers, and that govcd's WaitTaskCompletion then reads at its href. */
async function finishedTask(reply: Awaited<ReturnType<typeof send>>): Promise<XmlElement> {
  const task = xmlRoot(reply, 202, TASK);
  assert.equal(task.attrs.status, 'success');
  assert.equal(task.attrs.operationName, 'metadataUpdate');
  const polled = xmlRoot(await get(server, task.attrs.href!, s.admin), 200, TASK);
  assert.equal(polled.attrs.status, 'success');
  return task;
}

describe('writing an org metadata (govcd MergeMetadataWithMetadataValues, AddMetadataEntryWithVisibility, DeleteMetadataEntryWithDomain)', () => {
  test('merge creates and replaces, keeps the rest, and every type and domain reads back as written', async () => {
    const org = await newOrg();
    await finishedTask(
      await merge(org, [
        { key: 'costcenter', value: '42', domain: 'GENERAL' },
        { key: 'tier', value: '2', type: 'MetadataNumberValue', domain: 'GENERAL' },
        { key: 'note', value: 'gold & <silver>', domain: 'SYSTEM', visibility: 'PRIVATE' },
        { key: 'audited', value: 'true', type: 'MetadataBooleanValue' },
        { key: 'since', value: '2026-01-31T12:00:00.000Z', type: 'MetadataDateTimeValue', domain: 'SYSTEM', visibility: 'READONLY' },
      ]),
    );
    await finishedTask(await merge(org, [{ key: 'costcenter', value: '43', domain: 'GENERAL' }]));
    assert.deepEqual(await entriesOf(org), [
      'GENERAL/audited=MetadataBooleanValue:true (READWRITE)',
      'GENERAL/costcenter=MetadataStringValue:43 (READWRITE)',
      'GENERAL/tier=MetadataNumberValue:2 (READWRITE)',
      'SYSTEM/note=MetadataStringValue:gold & <silver> (PRIVATE)',
      'SYSTEM/since=MetadataDateTimeValue:2026-01-31T12:00:00.000Z (READONLY)',
    ]);
  });

  test('a string keeps its spaces; a number, a boolean and a date are read without the whitespace around them', async () => {
    const org = await newOrg();
    await finishedTask(
      await merge(org, [
        { key: 'padded', value: '  two spaces  ' },
        { key: 'n', value: ' 7 ', type: 'MetadataNumberValue' },
        { key: 'b', value: ' false ', type: 'MetadataBooleanValue' },
      ]),
    );
    assert.deepEqual(await entriesOf(org), [
      'GENERAL/b=MetadataBooleanValue:false (READWRITE)',
      'GENERAL/n=MetadataNumberValue:7 (READWRITE)',
      'GENERAL/padded=MetadataStringValue:  two spaces   (READWRITE)',
    ]);
  });

  test('PUT sets one entry in the domain its path names; DELETE removes it; both answer a finished Task', async () => {
    const org = await newOrg();
    await finishedTask(await put(org, 'owner', { key: 'owner', value: 'ops', domain: 'GENERAL' }));
    await finishedTask(await put(org, 'SYSTEM/owner', { key: 'owner', value: 'provider', domain: 'SYSTEM', visibility: 'READONLY' }));
    // govcd's older AddMetadataEntry sends no Domain at all: the path decides.
    await finishedTask(await put(org, 'plain%20key', { key: 'plain key', value: 'x' }));
    assert.deepEqual(await entriesOf(org), [
      'GENERAL/owner=MetadataStringValue:ops (READWRITE)',
      'GENERAL/plain key=MetadataStringValue:x (READWRITE)',
      'SYSTEM/owner=MetadataStringValue:provider (READONLY)',
    ]);
    await finishedTask(await send(server, 'DELETE', `/api/admin/org/${org}/metadata/owner`, s.admin));
    await finishedTask(await send(server, 'DELETE', `/api/admin/org/${org}/metadata/plain%20key`, s.admin));
    assert.deepEqual(await entriesOf(org), ['SYSTEM/owner=MetadataStringValue:provider (READONLY)']);
    xmlError(await send(server, 'DELETE', `/api/admin/org/${org}/metadata/owner`, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');

    // The GENERAL domain named in the path (pyvcloud's Metadata: <metadata href>/<domain>/<key>): the same entry.
    await finishedTask(await put(org, 'GENERAL/named', { key: 'named', value: 'n', domain: 'GENERAL' }));
    assert.ok((await entriesOf(org)).includes('GENERAL/named=MetadataStringValue:n (READWRITE)'));
    assert.equal((await get(server, `/api/admin/org/${org}/metadata/named`, s.admin)).status, 200);
    assert.match(
      xmlError(await put(org, 'GENERAL/k', { key: 'k', value: 'x', domain: 'SYSTEM', visibility: 'READONLY' }), 400, 'BAD_REQUEST'),
      /path names the GENERAL domain/,
    );
    await finishedTask(await send(server, 'DELETE', `/api/admin/org/${org}/metadata/GENERAL/named`, s.admin));
    assert.deepEqual(await entriesOf(org), ['SYSTEM/owner=MetadataStringValue:provider (READONLY)']);
  });

  test("a System administrator's API-token session writes too (Terraform runs on one)", async () => {
    const org = await newOrg();
    const { apiToken } = await createApiToken(server.baseUrl, s.admin, 'System', `tf-meta-${process.pid}`);
    const access = (await exchange(server.baseUrl, 'System', apiToken)).json().access_token as string;
    assert.ok(access.length > 32, 'an access token, not a fallback to the password session');
    await finishedTask(await merge(org, [{ key: 'k', value: 'v', domain: 'GENERAL' }], access));
    assert.deepEqual(await entriesOf(org), ['GENERAL/k=MetadataStringValue:v (READWRITE)']);
  });

  test('a MetadataNumberValue is any xs:long, its largest and smallest included (18 digits at most until 2026-12-06)', async () => {
    const org = await newOrg();
    await finishedTask(
      await merge(org, [
        { key: 'max', value: '9223372036854775807', type: 'MetadataNumberValue', domain: 'GENERAL' },
        { key: 'min', value: '-9223372036854775808', type: 'MetadataNumberValue', domain: 'GENERAL' },
      ]),
    );
    assert.deepEqual(await entriesOf(org), [
      'GENERAL/max=MetadataNumberValue:9223372036854775807 (READWRITE)',
      'GENERAL/min=MetadataNumberValue:-9223372036854775808 (READWRITE)',
    ]);
  });

  test('every bad entry is a 400 that names it, and nothing of the document is kept', async () => {
    const org = await newOrg();
    await finishedTask(await merge(org, [{ key: 'kept', value: 'yes', domain: 'GENERAL' }]));
    const cases: Array<[Entry[], RegExp]> = [
      [[{ key: 'n', value: 'twelve', type: 'MetadataNumberValue' }], /"n".*whole number/],
      [[{ key: 'n', value: '1.5', type: 'MetadataNumberValue' }], /whole number/],
      // One past the largest xs:long (the largest itself is taken: below).
      [[{ key: 'n', value: '9223372036854775808', type: 'MetadataNumberValue' }], /from -9223372036854775808 to 9223372036854775807/],
      [[{ key: 'b', value: 'yes', type: 'MetadataBooleanValue' }], /true or false/],
      [[{ key: 'd', value: '2027-02-30T00:00:00Z', type: 'MetadataDateTimeValue' }], /ISO 8601/],
      [[{ key: 't', value: 'x', type: 'MetadataBlobValue' }], /type must be one of/],
      [[{ key: 'g', value: 'x', domain: 'GENERAL', visibility: 'PRIVATE' }], /GENERAL domain the visibility is READWRITE/],
      [[{ key: 's', value: 'x', domain: 'SYSTEM', visibility: 'READWRITE' }], /SYSTEM domain.*not READWRITE/],
      [[{ key: 'x', value: 'x', domain: 'TENANT' }], /GENERAL or SYSTEM/],
      [[{ key: 'v', value: 'x', domain: 'SYSTEM', visibility: 'SECRET' }], /READWRITE, READONLY or PRIVATE/],
      [[{ key: '', value: 'x' }], /must not be empty/],
      // An entry's href ends with its key: `..` named the org itself, and deleting the entry by its href deleted the org.
      [[{ key: '..', value: 'x' }], /must not be "\." or "\.\."/],
      [[{ key: '.', value: 'x' }], /must not be "\." or "\.\."/],
      [[{ key: 'k'.repeat(257), value: 'x' }], /at most 256/],
      [[{ key: 'long', value: 'v'.repeat(4097) }], /at most 4096/],
      [
        [
          { key: 'twice', value: '1' },
          { key: 'twice', value: '2' },
        ],
        /given twice/,
      ],
      // A good entry before a bad one: the document is refused whole.
      [
        [
          { key: 'fine', value: 'ok' },
          { key: 'n', value: 'x', type: 'MetadataNumberValue' },
        ],
        /whole number/,
      ],
      [[], /no MetadataEntry/],
    ];
    for (const [entries, message] of cases) {
      assert.match(xmlError(await merge(org, entries), 400, 'BAD_REQUEST'), message, JSON.stringify(entries).slice(0, 80));
    }
    const tooMany = Array.from({ length: 64 }, (_, i) => ({ key: `k${i}`, value: 'x' }));
    assert.match(xmlError(await merge(org, tooMany), 400, 'BAD_REQUEST'), /at most 64 metadata entries; this change would make 65/);
    const noValue = `<Metadata ${NS}><MetadataEntry><Key>k</Key></MetadataEntry></Metadata>`;
    assert.match(
      xmlError(await send(server, 'POST', `/api/admin/org/${org}/metadata`, s.admin, noValue, METADATA), 400, 'BAD_REQUEST'),
      /no TypedValue/,
    );
    assert.match(
      xmlError(await put(org, 'SYSTEM/k', { key: 'k', value: 'x', domain: 'GENERAL' }), 400, 'BAD_REQUEST'),
      /path names the SYSTEM domain/,
    );
    xmlError(await send(server, 'POST', `/api/admin/org/${org}/metadata`, s.admin, '<AdminOrg/>', METADATA), 400, 'BAD_REQUEST');
    // Ambiguous entries are refused, not read by their first element: two Keys, Values, TypedValues or Domains,
    // or a Value holding elements.
    const typed = (inner: string) => `<TypedValue xsi:type="MetadataStringValue">${inner}</TypedValue>`;
    const ambiguous: Array<[string, RegExp]> = [
      [`<Key>a</Key><Key>b</Key>${typed('<Value>x</Value>')}`, /2 Key elements/],
      [`<Key>a</Key>${typed('<Value>x</Value><Value>y</Value>')}`, /2 Value elements/],
      [`<Key>a</Key>${typed('<Value>x</Value>')}${typed('<Value>y</Value>')}`, /2 TypedValue elements/],
      [`<Domain>GENERAL</Domain><Domain>SYSTEM</Domain><Key>a</Key>${typed('<Value>x</Value>')}`, /2 Domain elements/],
      [`<Key>a</Key>${typed('<Value><b>x</b></Value>')}`, /must be text, not elements/],
    ];
    for (const [inner, message] of ambiguous) {
      const doc = `<Metadata ${NS}><MetadataEntry>${inner}</MetadataEntry></Metadata>`;
      assert.match(
        xmlError(await send(server, 'POST', `/api/admin/org/${org}/metadata`, s.admin, doc, METADATA), 400, 'BAD_REQUEST'),
        message,
      );
    }
    assert.deepEqual(await entriesOf(org), ['GENERAL/kept=MetadataStringValue:yes (READWRITE)']);
  });

  test("tenants may not write an org's metadata, not even their own org's: 403 and nothing changes", async () => {
    const before = await entriesOf(acmeId);
    const entry = { key: 'costcenter', value: 'hacked', domain: 'GENERAL' };
    for (const token of [s.alice, s.bob, s.hank]) {
      xmlError(await merge(acmeId, [entry], token), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      xmlError(await put(acmeId, 'costcenter', entry, token), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      for (const e of before) {
        const [domain, key] = e.split('=')[0]!.split('/');
        const path = `${domain === 'SYSTEM' ? 'SYSTEM/' : ''}${encodeURIComponent(key!)}`;
        xmlError(await send(server, 'DELETE', `/api/admin/org/${acmeId}/metadata/${path}`, token), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      }
    }
    xmlError(await merge(acmeId, [entry], 'not-a-token'), 401, 'UNAUTHORIZED');
    assert.deepEqual(await entriesOf(acmeId), before);
    assert.ok(before.length > 0, 'the demo org carries metadata to protect');
  });
});

describe('the audit trail of metadata changes', () => {
  test("names GENERAL and READONLY keys, counts PRIVATE ones without naming them (the tenant's administrators read it)", async () => {
    const privateKey = `acquisition-${process.pid}`;
    await finishedTask(
      await merge(acmeId, [
        { key: privateKey, value: 'x', domain: 'SYSTEM', visibility: 'PRIVATE' },
        { key: 'shown-note', value: 'y', domain: 'SYSTEM', visibility: 'READONLY' },
      ]),
    );
    await finishedTask(await send(server, 'DELETE', `/api/admin/org/${acmeId}/metadata/SYSTEM/${privateKey}`, s.admin));
    await finishedTask(await send(server, 'DELETE', `/api/admin/org/${acmeId}/metadata/SYSTEM/shown-note`, s.admin));
    const events = await server.store.db
      .selectFrom('audit_events')
      .select(['details'])
      .where('event_type', '=', 'org.metadataChanged')
      .where('org_id', '=', acmeId)
      .execute();
    const details = events.map((e) => JSON.parse(String(e.details)) as Record<string, string>);
    assert.ok(details.length >= 3);
    assert.ok(
      details.every((d) => !JSON.stringify(d).includes(privateKey)),
      'the PRIVATE key is never named',
    );
    assert.ok(details.some((d) => d.set === 'SYSTEM/shown-note' && d.privateEntriesSet === '1'));
    assert.ok(details.some((d) => d.privateEntriesRemoved === '1' && d.removed === undefined));
    assert.ok(details.some((d) => d.removed === 'SYSTEM/shown-note'));
  });
});

describe('reading one entry (govcd GetMetadataByKey)', () => {
  test('MetadataValue with its href and up link, in XML and JSON; PRIVATE entries are the provider\u2019s alone', async () => {
    const org = await newOrg();
    await finishedTask(
      await merge(org, [
        { key: 'open', value: '7', type: 'MetadataNumberValue', domain: 'GENERAL' },
        { key: 'hidden', value: 'secret', domain: 'SYSTEM', visibility: 'PRIVATE' },
      ]),
    );
    const value = xmlRoot(await get(server, `/api/admin/org/${org}/metadata/open`, s.admin), 200, /metadata\.value\+xml/);
    assert.equal(value.name, 'MetadataValue');
    assert.equal(value.attrs.href, `${server.baseUrl}/api/admin/org/${org}/metadata/open`);
    const up = childrenNamed(value, 'Link').find((l) => l.attrs.rel === 'up');
    assert.equal(up?.attrs.href, `${server.baseUrl}/api/admin/org/${org}/metadata`);
    assert.equal(child(value, 'Domain').text, 'GENERAL');
    assert.equal(child(child(value, 'TypedValue'), 'Value').text, '7');
    const json = (await get(server, `/api/org/${org}/metadata/open`, s.admin, JSON_ACCEPT)).json() as {
      typedValue: { _type: string; value: unknown };
      href: string;
    };
    assert.deepEqual(json.typedValue, { _type: 'MetadataNumberValue', value: 7 });
    assert.equal(json.href, `${server.baseUrl}/api/org/${org}/metadata/open`);
    const hidden = xmlRoot(await get(server, `/api/admin/org/${org}/metadata/SYSTEM/hidden`, s.admin), 200, /metadata\.value/);
    assert.equal(child(hidden, 'Domain').attrs.visibility, 'PRIVATE');
    // The same key in the other domain does not exist.
    xmlError(await get(server, `/api/admin/org/${org}/metadata/hidden`, s.admin), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });

  test("a tenant reads its own org's visible entries, never PRIVATE ones or another org's", async () => {
    const rows = await entriesOf(acmeId);
    const visible = rows.find((r) => !r.endsWith('(PRIVATE)'))!;
    const [domain, key] = visible.split('=')[0]!.split('/');
    const path = `${domain === 'SYSTEM' ? 'SYSTEM/' : ''}${encodeURIComponent(key!)}`;
    xmlRoot(await get(server, `/api/org/${acmeId}/metadata/${path}`, s.bob), 200, /metadata\.value/);
    xmlError(await get(server, `/api/org/${acmeId}/metadata/${path}`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    const org = await newOrg();
    await finishedTask(await merge(org, [{ key: 'p', value: 'x', domain: 'SYSTEM', visibility: 'PRIVATE' }]));
    xmlError(await get(server, `/api/org/${org}/metadata/SYSTEM/p`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    const privateInAcme = rows.find((r) => r.endsWith('(PRIVATE)'));
    if (privateInAcme) {
      const [d, k] = privateInAcme.split('=')[0]!.split('/');
      xmlError(
        await get(server, `/api/org/${acmeId}/metadata/${d === 'SYSTEM' ? 'SYSTEM/' : ''}${k}`, s.alice),
        403,
        'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      );
    }
  });
});

describe("the writers' links (pyvcloud's Metadata finds what to POST, PUT and DELETE by them)", () => {
  const linksOf = (element: XmlElement) =>
    childrenNamed(element, 'Link').map((l) => `${l.attrs.rel} ${l.attrs.href} ${l.attrs.type ?? '-'}`);

  test('the provider gets add on the admin Metadata, edit and remove on each entry and value; following them writes', async () => {
    const org = await newOrg();
    await finishedTask(await merge(org, [{ key: 'k1', value: 'one', domain: 'GENERAL' }]));
    const base = `${server.baseUrl}/api/admin/org/${org}/metadata`;
    const doc = xmlRoot(await get(server, `/api/admin/org/${org}/metadata`, s.admin), 200, /metadata\+xml/);
    assert.deepEqual(linksOf(doc), [
      `up ${server.baseUrl}/api/admin/org/${org} application/vnd.vmware.admin.organization+xml`,
      `add ${base} ${METADATA}`,
    ]);
    const [entry] = childrenNamed(doc, 'MetadataEntry');
    assert.deepEqual(linksOf(entry!), [`edit ${base}/k1 ${METADATA_VALUE}`, `remove ${base}/k1 -`]);
    // pyvcloud reads a value at <metadata href>/<domain>/<key> and follows its links from there.
    const value = xmlRoot(await get(server, `/api/admin/org/${org}/metadata/GENERAL/k1`, s.admin), 200, /metadata\.value\+xml/);
    assert.deepEqual(linksOf(value), [`up ${base} ${METADATA}`, `edit ${base}/k1 ${METADATA_VALUE}`, `remove ${base}/k1 -`]);

    // Following them: add merges, edit replaces, remove deletes.
    const add = childrenNamed(doc, 'Link').find((l) => l.attrs.rel === 'add')!.attrs.href!;
    await finishedTask(await send(server, 'POST', add, s.admin, metadataXml([{ key: 'k2', value: 'two' }]), METADATA));
    await finishedTask(await send(server, 'PUT', `${base}/k1`, s.admin, valueXml({ key: 'k1', value: 'uno' }), METADATA_VALUE));
    assert.deepEqual(await entriesOf(org), [
      'GENERAL/k1=MetadataStringValue:uno (READWRITE)',
      'GENERAL/k2=MetadataStringValue:two (READWRITE)',
    ]);
    await finishedTask(await send(server, 'DELETE', `${base}/k1`, s.admin));
    assert.deepEqual(await entriesOf(org), ['GENERAL/k2=MetadataStringValue:two (READWRITE)']);

    // The same in VCD's JSON.
    const json = (await get(server, `/api/admin/org/${org}/metadata`, s.admin, JSON_ACCEPT)).json() as {
      link: Array<{ rel: string; href: string }>;
      metadataEntry: Array<{ link: Array<{ rel: string; href: string; type: string | null }> }>;
    };
    assert.deepEqual(
      json.link.map((l) => l.rel),
      ['up', 'add'],
    );
    assert.deepEqual(
      json.metadataEntry[0]!.link.map((l) => [l.rel, l.href, l.type]),
      [
        ['edit', `${base}/k2`, 'application/vnd.vmware.vcloud.metadata.value+json'],
        ['remove', `${base}/k2`, null],
      ],
    );
  });

  test('no writer link where the caller may not write, or not at that href', async () => {
    const org = await newOrg();
    await finishedTask(await merge(org, [{ key: 'k', value: 'v', domain: 'GENERAL' }]));
    // The provider at the tenant href (/api/org/...), where nothing is written.
    const tenantView = xmlRoot(await get(server, `/api/org/${org}/metadata`, s.admin), 200, /metadata\+xml/);
    assert.deepEqual(
      linksOf(tenantView).map((l) => l.split(' ')[0]),
      ['up'],
    );
    assert.deepEqual(linksOf(childrenNamed(tenantView, 'MetadataEntry')[0]!), []);
    assert.deepEqual(
      linksOf(xmlRoot(await get(server, `/api/org/${org}/metadata/k`, s.admin), 200, /metadata\.value/)).map((l) => l.split(' ')[0]),
      ['up'],
    );
    // A tenant's administrator reading the admin view of their own org: read, never write.
    const acme = xmlRoot(await get(server, `/api/admin/org/${acmeId}/metadata`, s.alice), 200, /metadata\+xml/);
    assert.deepEqual(
      linksOf(acme).map((l) => l.split(' ')[0]),
      ['up'],
    );
    for (const entry of childrenNamed(acme, 'MetadataEntry')) assert.deepEqual(linksOf(entry), []);
  });
});
