/**
 * Accept with q-values and several types (RFC 9110 §12.5.1), as browsers and hand-written scripts send it: /api
 * answers in the acceptable format of highest q, never in one the client refused with q=0, and at the version of
 * the entry it chose (src/domain/api-versions.ts). Until 2026-12-06 the first listed type decided and q was ignored:
 * `application/json;q=0.9, application/*+xml;version=36.1` got JSON, `application/xml;q=0, application/json` XML.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';

let t: TesseraHandle;
let session: string;

before(async () => {
  t = await startTessera({ demo: true });
  session = await signIn(t.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
});
after(() => t.stop());

const orgList = (accept: string) => http(`${t.baseUrl}/api/org`, { headers: bearer(session, accept) });

test('the acceptable type of highest q decides XML or JSON, whatever the order', async () => {
  const cases: [string, string][] = [
    // The same preference listed both ways round.
    ['application/*+xml;version=36.1, application/json;q=0.9', 'application/vnd.vmware.vcloud.orgList+xml;version=36.1'],
    ['application/json;q=0.9, application/*+xml;version=36.1', 'application/vnd.vmware.vcloud.orgList+xml;version=36.1'],
    ['application/*+xml;version=36.1;q=0.5, application/*+json;version=36.1', 'application/vnd.vmware.vcloud.orgList+json;version=36.1'],
    // q=0 is "not acceptable": never the answer's format, even first or as the only specific type.
    ['application/xml;q=0, application/json;version=36.1', 'application/vnd.vmware.vcloud.orgList+json;version=36.1'],
    ['application/*+xml;q=0, */*;q=0.8', 'application/vnd.vmware.vcloud.orgList+json;version=37.0'],
    // Wildcards alone and a browser's default: XML, VCD's own format.
    ['*/*;q=0.8', 'application/vnd.vmware.vcloud.orgList+xml;version=37.0'],
    [
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'application/vnd.vmware.vcloud.orgList+xml;version=37.0',
    ],
    // The clients' own values, unchanged: govcd's two lines, @vcd/sdk's pair, pyvcloud's.
    ['application/*+xml;version=37.0, vnd.vmware.vcloud.org+xml;version=37.0', 'application/vnd.vmware.vcloud.orgList+xml;version=37.0'],
    ['application/*+json;version=36.1, application/json;version=36.1', 'application/vnd.vmware.vcloud.orgList+json;version=36.1'],
    ['application/*+xml;version=36.0', 'application/vnd.vmware.vcloud.orgList+xml;version=36.0'],
  ];
  for (const [accept, type] of cases) {
    const reply = await orgList(accept);
    assert.equal(reply.status, 200, `${accept}: ${reply.text}`);
    assert.equal(reply.headers.get('content-type'), type, accept);
  }
});

test('the version is the chosen entry’s, and a refused entry’s version is not asked for', async () => {
  const chosen = await orgList('application/json;version=36.0;q=0.4, application/*+xml;version=37.2');
  assert.equal(chosen.headers.get('content-type'), 'application/vnd.vmware.vcloud.orgList+xml;version=37.2');
  // An unknown version on a refused (q=0) entry is no request for it: no 406.
  const refused = await orgList('application/*+xml;version=99.0;q=0, application/*+json;version=36.1');
  assert.equal(refused.status, 200, refused.text);
  assert.equal(refused.headers.get('content-type'), 'application/vnd.vmware.vcloud.orgList+json;version=36.1');
  // On an acceptable entry it still is.
  const unknown = await orgList('application/*+xml;version=36.1, application/json;version=99.0;q=0.1');
  assert.equal(unknown.status, 406);
});

test('errors follow the same choice', async () => {
  const reply = await http(`${t.baseUrl}/api/org/00000000-0000-0000-0000-000000000000`, {
    headers: bearer(session, 'application/xml;q=0, application/*+json;version=36.1'),
  });
  assert.equal(reply.status, 403, reply.text);
  assert.equal(reply.headers.get('content-type'), 'application/vnd.vmware.vcloud.error+json;version=36.1');
});
