/**
 * Every href a document names is served. Clients follow hrefs rather than build paths (govcd's GetMetadataByKey,
 * pyvcloud's get_resource(href), Terraform's readers), so an href that answers 404 is a broken document. This test
 * walks the /api documents from the entry points a client starts at, as a tenant and as the provider, in XML, and
 * follows every href under /api: each must answer 200 in XML and the same status in VCD JSON (whose `href` is the
 * XML root's), except the few below, each for a stated reason. Query pages past the second are not followed (they
 * repeat the records' hrefs).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { JSON_ACCEPT, get, startDemoServer, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;

before(async () => {
  let acmeId: string;
  ({ server, s, acmeId } = await startDemoServer());
  // The demo has no groups: one with a role and a member, so the AdminOrg's Groups, the Group document and the
  // member's GroupReferences are walked too.
  const store = server.store;
  const role = (await store.listRoles(acmeId)).find((r) => r.name === 'vApp Author')!;
  const group = await store.createGroup({
    id: randomUUID(),
    org_id: acmeId,
    name: 'crawl-team',
    description: '',
    role_id: role.id,
    created_at: Date.now(),
  });
  const bob = (await store.getUserByName(acmeId, 'bob'))!;
  await store.db.insertInto('group_members').values({ group_id: group.id, user_id: bob.id }).execute();
});
after(async () => server?.stop());

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Hrefs documents name that are not GET-able documents, with the status they answer and why. */
const NOT_DOCUMENTS: ReadonlyArray<readonly [pattern: RegExp, status: number, why: string]> = [
  [new RegExp(`^/api/admin/org/${UUID}/action/(disable|enable)$`), 405, 'a POST action (the AdminOrg links it)'],
  [new RegExp(`^/api/admin/org/${UUID}/users$`), 405, 'the POST that adds a user (rel=add)'],
  [/^\/api\/admin\/orgs$/, 405, "the POST that adds an org (the admin VCloud's rel=add, the provider's)"],
  [new RegExp(`^/api/admin/user/${UUID}/action/takeOwnership$`), 405, 'a POST action'],
  [/^\/api\/entity\/$/, 404, "the Session's entityResolver: Tessera resolves no URNs by this path"],
  [new RegExp(`^/api/vdc/${UUID}/hwv/vmx-\\d+$`), 404, 'VirtualHardwareVersion: only VM creation reads it, and Tessera creates no VMs'],
];

async function crawl(session: string, who: string): Promise<{ visited: number; notDocuments: Set<string>; seen: Set<string> }> {
  const seen = new Set<string>();
  const queue = ['/api/session', '/api/org', '/api/query', '/api/admin', '/api/versions'];
  const notDocuments = new Set<string>();
  let sameHref = 0;
  while (queue.length > 0 && seen.size < 4_000) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const xml = await get(server, path, session);
    const json = await get(server, path, session, JSON_ACCEPT);
    assert.equal(json.status, xml.status, `${who}: ${path} answers ${xml.status} in XML, ${json.status} in JSON`);
    if (xml.status !== 200) {
      const known = NOT_DOCUMENTS.find(([pattern]) => pattern.test(path.split('?')[0]!));
      assert.ok(known, `${who}: ${path} answered ${xml.status}: ${xml.text.slice(0, 300)}`);
      assert.equal(xml.status, known[1], `${who}: ${path} (${known[2]})`);
      notDocuments.add(known[2]);
      continue;
    }
    // The JSON is the same document: its href is the XML root's.
    const rootHref = /^(?:<\?xml[^>]*\?>\s*)?<[\w:]+\s[^>]*?\bhref="([^"]+)"/.exec(xml.text)?.[1]?.replace(/&amp;/g, '&');
    if (rootHref !== undefined) {
      const body = JSON.parse(json.text) as { href?: string };
      assert.equal(body.href, rootHref, `${who}: ${path} JSON href`);
      sameHref++;
    }
    for (const match of xml.text.matchAll(/\bhref="([^"]+)"/g)) {
      const href = match[1]!.replace(/&amp;/g, '&');
      if (!href.startsWith(`${server.baseUrl}/api/`)) continue;
      const next = href.slice(server.baseUrl.length);
      if (/[?&]page=([3-9]|\d{2,})(&|$)/.test(next)) continue;
      if (!seen.has(next)) queue.push(next);
    }
  }
  assert.ok(queue.length === 0, `${who}: the walk stopped at ${seen.size} documents with ${queue.length} left`);
  assert.ok(sameHref > seen.size / 2, `${who}: ${sameHref} of ${seen.size} documents compared with their JSON`);
  return { visited: seen.size, notDocuments, seen };
}

test('every /api href a document names answers its document, as a tenant and as the provider', async () => {
  const tenant = await crawl(s.alice, 'alice');
  const provider = await crawl(s.admin, 'administrator');
  assert.ok(tenant.visited > 500 && provider.visited > tenant.visited, `${tenant.visited} and ${provider.visited} documents`);
  for (const walk of [tenant, provider]) {
    assert.ok(
      [...walk.seen].some((path) => path.startsWith('/api/admin/group/')),
      'the Group document was reached',
    );
  }
  // The exceptions are still met (each one is still named somewhere): drop one from the list when it stops being.
  assert.deepEqual([...provider.notDocuments].sort(), NOT_DOCUMENTS.map(([, , why]) => why).sort());
});
