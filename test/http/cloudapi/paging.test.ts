/**
 * Regressions of issue 10's 500s reachable by any signed-in user, each now a 400 in the envelope of the API
 * called (VCD XML <Error> under /api, the cloudapi JSON envelope under /cloudapi): a 20-digit `page`
 * (paging.ts), `sortAsc=constructor` and its prototype cousins (tokens.ts), and on PostgreSQL a NUL byte or an
 * out-of-range number in a FIQL filter (store/fiql-sql.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePageRequest, MAX_PAGE } from '../../../src/http/cloudapi/paging.js';
import { TesseraError } from '../../../src/domain/errors.js';
import { startHarness } from '../../security/route-harness.js';
import { DEMO_PASSWORD } from '../../helpers/tessera.js';
import { selectedBackends } from '../../store/backends.js';

test('parsePageRequest: page and pageSize are bounded whole numbers', () => {
  assert.deepEqual(parsePageRequest({ page: String(MAX_PAGE), pageSize: '10' }), { page: MAX_PAGE, pageSize: 10 });
  for (const page of ['12345678901234567890', String(MAX_PAGE + 1), '0', '-1', '1e3', 'NaN', ' 1']) {
    assert.throws(
      () => parsePageRequest({ page }),
      (e: unknown) => e instanceof TesseraError && e.status === 400,
      page,
    );
  }
});

for (const plan of selectedBackends()) {
  test(`malformed paging, sorting and filters are 400 in each API's envelope (${plan.backend})`, { timeout: 120_000 }, async (t) => {
    if (plan.unavailable) {
      if (plan.unavailable.fail) assert.fail(plan.unavailable.reason);
      t.skip(plan.unavailable.reason);
      return;
    }
    const h = await startHarness(plan.backend);
    try {
      const { accessToken } = await h.services.sessions.signIn({
        userName: 'alice',
        orgName: 'acme',
        password: DEMO_PASSWORD,
        totpCode: null,
        endpoint: 'tenant',
        ip: '127.0.0.1',
      });
      const get = (url: string, accept: string) =>
        h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${accessToken}`, accept } });
      const cloudapi = async (url: string) => {
        const res = await get(url, 'application/json;version=37.0');
        assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
        assert.equal(res.json().minorErrorCode, 'BAD_REQUEST', url);
      };
      const api = async (url: string) => {
        const res = await get(url, 'application/*+xml;version=37.0');
        assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
        assert.match(res.body, /<Error [^>]*minorErrorCode="BAD_REQUEST"/, url);
      };

      for (const list of ['tokens', 'orgs', 'vdcs', 'auditTrail']) await cloudapi(`/cloudapi/1.0.0/${list}?page=12345678901234567890`);
      for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        await cloudapi(`/cloudapi/1.0.0/tokens?sortAsc=${key}`);
        await cloudapi(`/cloudapi/1.0.0/tokens?sortDesc=${key}`);
      }
      // A repeated parameter arrives as an array: it used to reach compileFiqlFilter as if it were a parsed AST.
      await cloudapi(`/cloudapi/1.0.0/tokens?filter=name==a&filter=&sortAsc=constructor&sortAsc=name`);
      const repeated = await get('/cloudapi/1.0.0/tokens?filter=&filter=&sortAsc=name&sortAsc=x', 'application/json;version=37.0');
      assert.equal(repeated.statusCode, 200, repeated.body);
      const nul = encodeURIComponent('name==a\u0000b');
      await cloudapi(`/cloudapi/1.0.0/tokens?filter=${nul}`);
      await cloudapi(`/cloudapi/1.0.0/orgs?filter=${nul}`);
      await cloudapi(`/cloudapi/1.0.0/tokens?filter=${encodeURIComponent('createdTimeUtc=gt=99999999999999999999')}`);
      await api(`/api/query?type=vm&filter=${nul}`);
      await api(`/api/vms/query?filter=${encodeURIComponent('name==web*\u0000')}`);
      await api(`/api/query?type=vm&filter=${encodeURIComponent('dateCreated=gt=99999999999999999999')}`);
      await api(`/api/query?type=vm&page=12345678901234567890`);

      // A huge or fractional number is a comparison, not an error.
      const big = await get(`/api/query?type=vm&filter=${encodeURIComponent('numberOfCpus=gt=1e300')}`, 'application/*+xml;version=37.0');
      assert.equal(big.statusCode, 200, big.body);
      const fraction = await get(
        `/api/query?type=vm&filter=${encodeURIComponent('numberOfCpus=gt=1.5')}`,
        'application/*+xml;version=37.0',
      );
      assert.equal(fraction.statusCode, 200, fraction.body);
      assert.deepEqual(h.errors, []);
    } finally {
      await h.stop();
    }
  });
}
