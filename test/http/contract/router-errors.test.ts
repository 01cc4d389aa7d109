/** Errors raised by the router before any route (src/http/app.ts frameworkErrors) answer in the API's own format. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startContractApp } from './support.js';

test(
  "over-long path parameters and malformed URLs are 400s in each area's format (VCD XML, JSON, the portal's page), never fastify bodies",
  { timeout: 120_000 },
  async () => {
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
      // The portal's pages document text/html for every error, whatever the method and Accept: so does the router's.
      for (const [method, url] of [
        ['POST', `/tenant/acme/administration/serviceAccounts/${'0'.repeat(600)}/role`],
        ['GET', `/tenant/acme/administration/users/${'0'.repeat(600)}`],
        ['POST', '/tenant/acme/tokens/%E0%A4%A/revoke'],
        ['GET', '/provider/no-such-page'],
      ] as const) {
        const res = await contract.app.inject({ method, url, headers: { accept: 'application/json' } });
        assert.ok([400, 404].includes(res.statusCode), `${method} ${url.slice(0, 50)}: ${res.statusCode}`);
        assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', `${method} ${url.slice(0, 50)}`);
        assert.match(res.body, /^<!doctype html>/);
      }
      // Static files keep the JSON envelope for a non-browser client.
      const asset = await contract.app.inject({ method: 'GET', url: '/static/no-such-file.css' });
      assert.equal(asset.statusCode, 404);
      assert.equal(asset.json().minorErrorCode, 'RESOURCE_NOT_FOUND');
    } finally {
      await contract.stop();
    }
  },
);
