/**
 * The portal's response declarations (src/http/portal/responses.ts) describe; they must not change what is sent.
 * The same requests go to an app whose portal routes declare their responses and to one where the declarations are
 * removed before the routes are compiled: pages, redirects and error pages are byte-identical (status, content
 * type, Location, body). And the answers are those declared: an HTML page is `text/html`, a redirect has a
 * Location and no body.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { areaOf } from '../../../src/http/context.js';
import { startContractApp, type ContractApp } from './support.js';

interface Probe {
  label: string;
  url: string;
  status: number;
}

const PROBES: Probe[] = [
  { label: 'the organization chooser (a page)', url: '/', status: 200 },
  { label: 'the chooser refusing a name (a 400 page)', url: '/tenant?org=%2F', status: 400 },
  { label: 'the System org by name (a redirect)', url: '/tenant?org=System', status: 303 },
  { label: 'a signed-in page without a session (a redirect to sign-in)', url: '/provider/preferences', status: 303 },
  { label: 'the tenant path of the System org (a redirect)', url: '/tenant/system/login', status: 303 },
  { label: 'an unknown portal page (a 404 page)', url: '/provider/no-such-page', status: 404 },
  { label: 'a path id breaking its schema (a 400 page)', url: '/provider/vms/not-a-uuid', status: 400 },
  { label: 'the stylesheet', url: '/static/app.css', status: 200 },
];

/** What a client sees of an answer, without what differs per request (request id, date). */
function visible(res: LightMyRequestResponse) {
  return {
    status: res.statusCode,
    contentType: res.headers['content-type'],
    location: res.headers.location,
    cacheControl: res.headers['cache-control'],
    body: res.rawPayload.toString('base64'),
  };
}

const stripPortalResponses = (route: { url: string; schema?: Record<string, unknown> }) => {
  if (areaOf(route.url) === 'portal' && route.schema?.response) {
    const { response: _response, ...rest } = route.schema;
    route.schema = rest;
  }
};

test('portal responses are declared, and the declarations change nothing that is sent', { timeout: 120_000 }, async () => {
  let declared: ContractApp | null = null;
  let bare: ContractApp | null = null;
  try {
    declared = await startContractApp();
    bare = await startContractApp({ onRoute: stripPortalResponses as never });
    const bareRoute = bare.routes.find((r) => r.url === '/provider/preferences' && [r.method].flat().includes('GET'));
    assert.equal((bareRoute?.schema as { response?: unknown } | undefined)?.response, undefined, 'the bare app still declares responses');
    const declaredRoute = declared.routes.find((r) => r.url === '/provider/preferences' && [r.method].flat().includes('GET'));
    assert.ok((declaredRoute?.schema as { response?: Record<string, unknown> }).response?.['303'], 'the page declares its redirect');

    for (const probe of PROBES) {
      const a: LightMyRequestResponse = await declared.app.inject({ method: 'GET', url: probe.url });
      const b: LightMyRequestResponse = await bare.app.inject({ method: 'GET', url: probe.url });
      assert.equal(a.statusCode, probe.status, `${probe.label}: ${probe.url} answered ${a.statusCode}`);
      assert.deepEqual(visible(a), visible(b), `${probe.label}: the declared app sends something else`);
      if (probe.status === 303) {
        assert.match(String(a.headers.location), /^\//, `${probe.label}: a redirect names a path on this server`);
        assert.equal(a.rawPayload.length, 0, `${probe.label}: a redirect has no body`);
      } else if (!probe.url.startsWith('/static/')) {
        assert.equal(a.headers['content-type'], 'text/html; charset=utf-8', probe.label);
        assert.match(a.body, /^<!doctype html>/i, `${probe.label}: an HTML page`);
      } else {
        assert.match(String(a.headers['content-type']), /^text\/css/, probe.label);
      }
    }
  } finally {
    await declared?.stop();
    await bare?.stop();
  }
});
