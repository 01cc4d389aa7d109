/** Errors raised by the router before any route (src/http/app.ts frameworkErrors) answer in the API's own format. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startContractApp } from './support.js';

test('over-long path parameters and malformed URLs are VCD 400s under /api, never fastify bodies', { timeout: 120_000 }, async () => {
  const contract = await startContractApp();
  try {
    for (const url of [`/api/vdc/${'0'.repeat(600)}`, `/api/vdc/${'0'.repeat(210)}`, '/api/vdc/%E0%A4%A']) {
      const res = await contract.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 400, url.slice(0, 40));
      assert.match(String(res.headers['content-type']), /^application\/vnd\.vmware\.vcloud\.error\+xml/);
      assert.match(res.body, /<Error [^>]*minorErrorCode="BAD_REQUEST"/);
    }
    const json = await contract.app.inject({ method: 'GET', url: `/cloudapi/1.0.0/users/${'0'.repeat(600)}` });
    assert.equal(json.statusCode, 400);
    assert.equal(json.json().minorErrorCode, 'BAD_REQUEST');
  } finally {
    await contract.stop();
  }
});
