/**
 * An org's TasksList (`GET /api/tasksList/{orgId}`), which the Org document links as govcd's Org.GetTaskList looks for
 * it (`rel="down"`, tasksList+xml; it failed with "link not found" before): the tasks about the org that the reader
 * may read one by one at `/api/task/{id}`, newest first, each as that document renders it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { signIn } from '../../helpers/api.js';
import { createUser } from '../../security/support.js';
import { send } from './admin-support.js';
import { JSON_ACCEPT, VCLOUD_NS, childrenNamed, get, links, startDemoServer, xmlError, xmlRoot, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

const TASKS_LIST = 'application/vnd.vmware.vcloud.tasksList+xml';
const METADATA = 'application/vnd.vmware.vcloud.metadata+xml';
const NS = 'xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** One finished task about the org: the provider merges a metadata entry (org-metadata.ts answers its Task). */
async function taskAbout(orgId: string, key: string): Promise<string> {
  const body = `<Metadata ${NS}><MetadataEntry ${NS}><Key>${key}</Key><TypedValue xsi:type="MetadataStringValue"><Value>v</Value></TypedValue></MetadataEntry></Metadata>`;
  const task = xmlRoot(await send(server, 'POST', `/api/admin/org/${orgId}/metadata`, s.admin, body, METADATA), 202, /task\+xml/);
  return task.attrs.href!;
}

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

test('the Org document links its TasksList, which lists the tasks about the org, newest first, as /api/task/{id} renders them', async () => {
  const first = await taskAbout(acmeId, 'tasks-list-1');
  await new Promise((resolve) => setTimeout(resolve, 5)); // a later start time, not a tie broken by id
  const second = await taskAbout(acmeId, 'tasks-list-2');
  const foreign = await taskAbout(globexId, 'tasks-list-3');

  const org = xmlRoot(await get(server, `/api/org/${acmeId}`, s.alice), 200, /org\+xml/);
  const link = links(org, 'down').filter((l) => l.attrs.type === TASKS_LIST);
  assert.equal(link.length, 1);
  assert.equal(link[0]!.attrs.href, `${server.baseUrl}/api/tasksList/${acmeId}`);

  const list = xmlRoot(await get(server, link[0]!.attrs.href!, s.alice), 200, /^application\/vnd\.vmware\.vcloud\.tasksList\+xml/);
  assert.equal(list.name, 'TasksList');
  assert.equal(list.attrs.xmlns, VCLOUD_NS);
  assert.equal(list.attrs.href, `${server.baseUrl}/api/tasksList/${acmeId}`);
  const hrefs = childrenNamed(list, 'Task').map((t) => t.attrs.href);
  assert.ok(hrefs.indexOf(second) >= 0 && hrefs.indexOf(second) < hrefs.indexOf(first), 'newest first');
  assert.ok(!hrefs.includes(foreign), "globex's task is not acme's");
  const task = childrenNamed(list, 'Task').find((t) => t.attrs.href === second)!;
  const alone = xmlRoot(await get(server, second, s.alice), 200, /task\+xml/);
  assert.deepEqual({ ...task.attrs }, Object.fromEntries(Object.entries(alone.attrs).filter(([k]) => k !== 'xmlns')));
  assert.deepEqual(
    task.children.map((c) => c.name),
    alone.children.map((c) => c.name),
  );

  const json = await get(server, `/api/tasksList/urn:vcloud:org:${acmeId}`, s.alice, JSON_ACCEPT);
  assert.equal(json.status, 200, json.text);
  const body = json.json();
  assert.equal(body.type, 'application/vnd.vmware.vcloud.tasksList+json');
  assert.ok(Array.isArray(body.task) && body.task.some((t: { href: string }) => t.href === second));

  // The provider reads any org's; hank (globex) only globex's.
  const provider = xmlRoot(await get(server, `/api/tasksList/${globexId}`, s.admin), 200, /tasksList\+xml/);
  assert.ok(childrenNamed(provider, 'Task').some((t) => t.attrs.href === foreign));
  assert.ok(childrenNamed(xmlRoot(await get(server, `/api/tasksList/${globexId}`, s.hank), 200, /tasksList/), 'Task').length >= 1);
});

test("another org, an unknown or a malformed id are the same 403; a member who may not read the org's tasks lists their own", async () => {
  await taskAbout(acmeId, 'tasks-list-4');
  for (const id of [globexId, '00000000-0000-4000-8000-000000000000', 'nope']) {
    xmlError(await get(server, `/api/tasksList/${id}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  }
  xmlError(await get(server, `/api/tasksList/${acmeId}`, null), 401, 'UNAUTHORIZED');
  // Without "Organization: View" a member reads no task it did not start (as /api/task/{id}), so the list is theirs.
  const carol = await createUser(server.baseUrl, s.alice, { role: 'Console Access Only' });
  const session = await signIn(server.baseUrl, carol.name, 'acme', carol.password);
  const org = xmlRoot(await get(server, `/api/org/${acmeId}`, session), 200, /org\+xml/);
  assert.equal(links(org, 'down').filter((l) => l.attrs.type === TASKS_LIST).length, 1);
  const list = xmlRoot(await get(server, `/api/tasksList/${acmeId}`, session), 200, /tasksList\+xml/);
  assert.deepEqual(childrenNamed(list, 'Task'), []);
});
