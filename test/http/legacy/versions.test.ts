/**
 * `GET /api/versions` (vcd-wire §2): unauthenticated, XML by default and JSON on request, listing the exact
 * versions clients pin (36.0, 36.1, 37.0, 37.2) in ascending order, nothing >= 40.0; 406 NOT_ACCEPTABLE as an
 * XML <Error> for an unsupported version in Accept.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { http } from '../../helpers/api.js';
import { raw } from '../../security/support.js';
import { compareApiVersions } from '../../../src/domain/api-versions.js';

let t: TesseraHandle;
before(async () => {
  t = await startTessera({ demo: false });
});
after(async () => {
  await t?.stop();
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  isArray: (name) => name === 'VersionInfo',
});

function checkVersionList(versions: string[]) {
  for (const pinned of ['35.0', '36.0', '36.1', '37.0', '37.2']) assert.ok(versions.includes(pinned), `${pinned} is listed`);
  for (const v of versions) {
    assert.match(v, /^\d+\.\d+$/, 'plain major.minor, as govcd matches exactly');
    assert.ok(compareApiVersions(v, '40.0') < 0, `${v} must stay below 40.0 (govcd v3 would switch to VCFA mode)`);
  }
  for (let i = 1; i < versions.length; i++) {
    assert.ok(compareApiVersions(versions[i - 1]!, versions[i]!) < 0, `ascending: ${versions[i - 1]} before ${versions[i]}`);
  }
}

test('XML by default (no Accept at all, as pyvcloud sends it), unauthenticated', async () => {
  const res = await raw(`${t.baseUrl}/api/versions`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /xml/);
  assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"/);
  const doc = parser.parse(res.text).SupportedVersions;
  assert.equal(doc['@_xmlns'], 'http://www.vmware.com/vcloud/versions');
  const infos = doc.VersionInfo as Array<Record<string, string>>;
  checkVersionList(infos.map((i) => String(i.Version)));
  const v37 = infos.find((i) => String(i.Version) === '37.0')!;
  assert.equal(v37['@_deprecated'], 'false');
  assert.equal(v37.LoginUrl, `${t.baseUrl}/cloudapi/1.0.0/sessions`);
  assert.equal(v37.ProviderLoginUrl, `${t.baseUrl}/cloudapi/1.0.0/sessions/provider`);
  assert.equal(doc.SchemaRoot, `${t.baseUrl}/api/v1.5/schema/`);
  // Element order of SupportedVersionsType: every VersionInfo, then SchemaRoot.
  assert.ok(res.text.lastIndexOf('<VersionInfo') < res.text.indexOf('<SchemaRoot>'));
});

test('XML for the Accept forms clients send', async () => {
  for (const accept of ['application/*+xml', 'application/*+xml;version=37.0', 'application/*;version=36.1', 'text/xml', '*/*']) {
    const res = await raw(`${t.baseUrl}/api/versions`, { headers: { Accept: accept } });
    assert.equal(res.status, 200, accept);
    assert.match(res.text, /<SupportedVersions/, accept);
  }
});

test('JSON on request: versionInfo with camelCased fields, ascending, highest last', async () => {
  for (const accept of [
    'application/*+json',
    'application/json;version=37.2',
    'application/*+json;version=36.0, application/json;version=36.0',
  ]) {
    const res = await http(`${t.baseUrl}/api/versions`, { headers: { Accept: accept } });
    assert.equal(res.status, 200, accept);
    assert.match(res.headers.get('content-type') ?? '', /json/);
    const body = res.json();
    const infos = body.versionInfo as Array<{ version: string; deprecated: boolean; loginUrl: string; providerLoginUrl: string | null }>;
    checkVersionList(infos.map((i) => i.version));
    const v361 = infos.find((i) => i.version === '36.1')!;
    assert.equal(v361.deprecated, false);
    assert.equal(v361.loginUrl, `${t.baseUrl}/cloudapi/1.0.0/sessions`);
    assert.equal(v361.providerLoginUrl, `${t.baseUrl}/cloudapi/1.0.0/sessions/provider`);
    assert.deepEqual(body.any, []);
    assert.deepEqual(body.otherAttributes, {});
    assert.equal(body.schemaRoot, `${t.baseUrl}/api/v1.5/schema/`);
  }
});

test('an unsupported version in Accept is 406 NOT_ACCEPTABLE, as VCD\u2019s XML <Error>', async () => {
  const res = await http(`${t.baseUrl}/api/versions`, { headers: { Accept: 'application/*+xml;version=99.0' } });
  assert.equal(res.status, 406);
  assert.match(res.headers.get('content-type') ?? '', /^application\/vnd\.vmware\.vcloud\.error\+xml;version=/);
  const error = parser.parse(res.text).Error;
  assert.equal(error['@_xmlns'], 'http://www.vmware.com/vcloud/v1.5');
  assert.equal(error['@_minorErrorCode'], 'NOT_ACCEPTABLE');
  assert.equal(String(error['@_majorErrorCode']), '406');
  assert.match(error['@_message'], /Supported API versions are: \[39\.1, .*36\.1, 36\.0, .*\]/);
  // The same on /cloudapi, in its JSON envelope; and an alpha-style version is not a supported one either.
  const cloud = await http(`${t.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: { Accept: 'application/json;version=40.0' } });
  assert.equal(cloud.status, 406);
  assert.equal(cloud.json().minorErrorCode, 'NOT_ACCEPTABLE');
  const alpha = await http(`${t.baseUrl}/api/versions`, { headers: { Accept: 'application/*+xml;version=40.0.0-alpha' } });
  assert.equal(alpha.status, 406);
});

test('an empty version (govcd\u2019s `version=`) is no version', async () => {
  const res = await http(`${t.baseUrl}/api/versions`, { headers: { Accept: 'application/json;version=' } });
  assert.equal(res.status, 200);
  assert.ok(Array.isArray(res.json().versionInfo));
});
