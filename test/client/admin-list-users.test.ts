/**
 * `AdminApi.listUsers` (the CLI's `tessera admin user list`) reads each user's document with a bounded number of
 * requests in flight, in the AdminOrg's order. Until 2026-12-06 it asked for every user at once: 5,000 requests
 * together for a large org timed out and, on PostgreSQL, held up the server's revocation feed until it refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminApi, USER_READS_AT_ONCE } from '../../src/client/admin.js';
import type { VcdClient } from '../../src/client/vcd-client.js';

test('listUsers: at most USER_READS_AT_ONCE user reads in flight, results in the AdminOrg order', async () => {
  const count = 40;
  let inFlight = 0;
  let most = 0;
  const users = Array.from({ length: count }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `u${i}` }));
  const adminOrg =
    '<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="big"><Users>' +
    users
      .map(
        (u) => `<UserReference href="https://vcd/api/admin/user/${u.id}" name="${u.name}" type="application/vnd.vmware.admin.user+xml"/>`,
      )
      .join('') +
    '</Users></AdminOrg>';
  const client = {
    async request(path: string) {
      if (path.startsWith('/api/admin/org/')) return { status: 200, body: adminOrg, headers: new Headers() };
      inFlight++;
      most = Math.max(most, inFlight);
      // Later users answer sooner: the order of the answers is not the order of the list.
      await new Promise((r) => setTimeout(r, count - users.findIndex((u) => path.endsWith(u.id))));
      inFlight--;
      const name = users.find((u) => path.endsWith(u.id))!.name;
      return {
        status: 200,
        body: `<User xmlns="http://www.vmware.com/vcloud/v1.5" name="${name}"><FullName>${name.toUpperCase()}</FullName><IsEnabled>true</IsEnabled><Role name="vApp Author"/></User>`,
        headers: new Headers(),
      };
    },
  } as unknown as VcdClient;
  const listed = await new AdminApi(client).listUsers({ id: 'org-id', name: 'big', href: 'https://vcd/api/admin/org/org-id' });
  assert.equal(listed.length, count);
  assert.deepEqual(
    listed.map((u) => u.name),
    users.map((u) => u.name),
  );
  assert.equal(listed[3]!.fullName, 'U3');
  assert.equal(listed[3]!.roleName, 'vApp Author');
  assert.equal(most, USER_READS_AT_ONCE, `at most ${USER_READS_AT_ONCE} at once, and that many: ${most}`);
});
