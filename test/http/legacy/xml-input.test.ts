/**
 * XML bodies may hold only XML 1.0's characters (src/http/legacy/xml-input.ts): a character reference to anything
 * else (`&#0;`, `&#x1;`, a surrogate, `&#xFFFE;`, past U+10FFFF) or such a character sent raw is not well-formed,
 * a 400 in VCD's XML Error like any other malformed body. fast-xml-parser dropped some of them silently: an org
 * admin POSTing `name="u&#0;x"` got user `ux`.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseXmlBody } from '../../../src/http/legacy/xml-input.js';
import { TesseraError } from '../../../src/domain/errors.js';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { startDemoServer, xmlError, type DemoSessions } from './support.js';
import { ORG_TYPE, USER_TYPE, send } from './admin-support.js';

const FORBIDDEN_REFERENCES = [
  '&#0;',
  '&#1;',
  '&#x1;',
  '&#8;',
  '&#x0B;',
  '&#12;',
  '&#x1F;',
  '&#27;',
  '&#xD800;',
  '&#xdfff;',
  '&#xFFFE;',
  '&#65535;',
  '&#x110000;',
  '&#1114112;',
  '&#99999999999999999999;',
  '&#x0000000000000000;',
];
const FORBIDDEN_RAW = ['\u0001', '\u0008', '\u000B', '\u000C', '\u001B', '\u001F', '\uFFFE', '\uFFFF', '\uD800', '\uDC00'];

const notWellFormed = (fn: () => unknown, what: string) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof TesseraError && e.status === 400 && /^The request body is not well-formed XML: /.test(e.message),
    what,
  );

describe('parseXmlBody: only XML 1.0 characters', () => {
  test('a character reference to a character XML 1.0 forbids is refused, in an attribute or in text', () => {
    for (const ref of FORBIDDEN_REFERENCES) {
      notWellFormed(() => parseXmlBody(`<User name="u${ref}x"/>`, 'User'), `attribute ${ref}`);
      notWellFormed(() => parseXmlBody(`<User name="u"><FullName>a${ref}b</FullName></User>`, 'User'), `text ${ref}`);
    }
    assert.throws(
      () => parseXmlBody('<User name="u">\n<FullName>a&#0;b</FullName></User>', 'User'),
      /not well-formed XML: the character reference &#0; is to U\+0000, which XML 1\.0 does not allow \(line 2\)/,
    );
  });

  test('such a character sent raw is refused too', () => {
    for (const raw of FORBIDDEN_RAW) {
      const hex = raw.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      assert.throws(
        () => parseXmlBody(`<User name="u${raw}x"/>`, 'User'),
        new RegExp(`not well-formed XML: .*U\\+${hex}, which XML 1\\.0 does not allow \\(line 1\\)`),
        hex,
      );
    }
  });

  test('a reference that is not one (`&#;`, `&#x;`, no semicolon) is refused', () => {
    for (const bad of ['&#;', '&#x;', '&#65', '&#x41 ', '&#-1;', '&#X41;']) {
      notWellFormed(() => parseXmlBody(`<User name="u"><FullName>a${bad}b</FullName></User>`, 'User'), bad);
    }
  });

  test('character references are decoded (lxml, and so pyvcloud, writes every non-ASCII character as one)', () => {
    const user = parseXmlBody('<User name="Caf&#233;"><FullName>Ren&#xE9;e &#x1F600; &#65;&amp;&lt;</FullName></User>', 'User');
    assert.equal(user.attr('name'), 'Café');
    assert.equal(user.childText('FullName'), 'Renée \u{1F600} A&<');
    // Decoded once: an escaped ampersand stays an ampersand, never the start of another reference.
    assert.equal(parseXmlBody('<User name="a&amp;#233;b"/>', 'User').attr('name'), 'a&#233;b');
    assert.equal(parseXmlBody('<User name="u"><FullName>&amp;lt;</FullName></User>', 'User').childText('FullName'), '&lt;');
  });

  test("HTML's named entities are not XML's: refused, not decoded", () => {
    for (const bad of ['&nbsp;', '&copy;', '&eacute;', '&foo;']) {
      notWellFormed(() => parseXmlBody(`<User name="u"><FullName>a${bad}b</FullName></User>`, 'User'), bad);
    }
  });

  test('every character XML 1.0 allows stays accepted, and `&#0;` as plain text (CDATA, a comment, `&amp;#0;`) too', () => {
    for (const ok of [
      '\t',
      '\n',
      '\r',
      ' ',
      '\u0085',
      '\u00A0',
      '\uD7FF',
      '\uE000',
      '\uFFFD',
      '\u{10000}',
      '\u{10FFFF}',
      'caf\u00E9 \u{1F600}',
    ]) {
      assert.equal(parseXmlBody(`<User name="u"><FullName>a${ok}b</FullName></User>`, 'User').childText('FullName')!.length > 1, true);
    }
    for (const ref of ['&#9;', '&#xA;', '&#13;', '&#32;', '&#xD7FF;', '&#xE000;', '&#xFFFD;', '&#x10000;', '&#x10FFFF;', '&#0065;']) {
      assert.doesNotThrow(() => parseXmlBody(`<User name="u"><FullName>a${ref}b</FullName></User>`, 'User'), ref);
    }
    const cdata = parseXmlBody('<User name="u"><Description><![CDATA[a&#0;b]]></Description></User>', 'User');
    assert.equal(cdata.childText('Description'), 'a&#0;b');
    const comment = parseXmlBody('<User name="u"><!-- &#0; --><FullName>x</FullName></User>', 'User');
    assert.equal(comment.childText('FullName'), 'x');
    assert.equal(parseXmlBody('<User name="u&amp;#0;x"/>', 'User').attr('name'), 'u&#0;x');
    assert.equal(parseXmlBody('<?xml version="1.0" encoding="UTF-8"?><User name="u"/>', 'User').attr('name'), 'u');
  });
});

describe('parseXmlBody: what it reads costs what the body is long', () => {
  test('comments, CDATA sections and processing instructions left open are refused, each read once', () => {
    // Until 2026-12-05 each `<!--` rescanned the rest of the body: 64 KiB of them held the event loop for 0.6 s,
    // 256 KiB (as text/plain) for 4 s.
    for (const piece of ['<!--', '<?', '<![CDATA[']) {
      notWellFormed(() => parseXmlBody(`<User>${piece.repeat(Math.floor(60_000 / piece.length))}`, 'User'), piece);
    }
    // A closed one is still literal text, whatever it holds.
    assert.equal(parseXmlBody('<User name="u"><!-- &#0; --><FullName><![CDATA[&#1;]]></FullName></User>', 'User').attr('name'), 'u');
  });

  test('a body over 64 KiB is refused whatever its Content-Type said', () => {
    const long = `<User name="u"><FullName>${'x'.repeat(70_000)}</FullName></User>`;
    assert.throws(() => parseXmlBody(long, 'User'), /must be at most 65536 characters of XML/);
  });
});

describe('every XML route refuses them', () => {
  let server: TesseraHandle;
  let s: DemoSessions;
  let acmeId: string;
  let roleHref: string;

  before(async () => {
    ({ server, s, acmeId } = await startDemoServer());
    const role = (await server.store.listRoles(acmeId)).find((r) => r.name === 'vApp User')!;
    roleHref = `${server.baseUrl}/api/admin/role/${role.id}`;
  });
  after(async () => server?.stop());

  const user = (name: string, fullName = 'Full Name') =>
    `<User xmlns="http://www.vmware.com/vcloud/v1.5" name="${name}"><FullName>${fullName}</FullName>` +
    `<IsEnabled>true</IsEnabled><Role href="${roleHref}"/><Password>User-Password-1234</Password></User>`;
  const org = (name: string, fullName = 'Full Name') =>
    `<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="${name}"><FullName>${fullName}</FullName><IsEnabled>true</IsEnabled></AdminOrg>`;

  test('POST a User named "u&#0;x": 400, no user "ux"', async () => {
    for (const doc of [user('u&#0;x'), user('u&#1;x'), user('ok-name', 'a&#x0;b'), user('u\u0001x')]) {
      const reply = await send(server, 'POST', `/api/admin/org/${acmeId}/users`, s.alice, doc, USER_TYPE);
      assert.match(xmlError(reply, 400, 'BAD_REQUEST'), /not well-formed XML: .*which XML 1\.0 does not allow/, doc);
    }
    for (const name of ['ux', 'ok-name']) assert.equal(await server.store.getUserByName(acmeId, name), undefined, name);
  });

  test('an XML body sent as text/plain is held to the same 64 KiB, and changes nothing', async () => {
    const bob = (await server.store.getUserByName(acmeId, 'bob'))!;
    const long = user('bob', `Bob ${'<!--'.repeat(30_000)}`);
    const reply = await send(server, 'PUT', `/api/admin/user/${bob.id}`, s.bob, long, 'text/plain');
    // Refused as any body over its type's 64 KiB, before it is read (since 2026-12-05 text/plain has the same parser).
    assert.match(xmlError(reply, 413, 'BAD_REQUEST'), /Request body is too large/);
    assert.equal((await server.store.getUser(bob.id))!.full_name, bob.full_name);
  });

  test('PUT a User with one: 400, unchanged', async () => {
    const bob = (await server.store.getUserByName(acmeId, 'bob'))!;
    const reply = await send(server, 'PUT', `/api/admin/user/${bob.id}`, s.alice, user('bob', 'Bob &#0;Builder'), USER_TYPE);
    assert.match(xmlError(reply, 400, 'BAD_REQUEST'), /not well-formed XML/);
    assert.equal((await server.store.getUser(bob.id))!.full_name, bob.full_name);
  });

  test('POST an AdminOrg named "a&#0;b": 400, no org "ab"; PUT one: 400', async () => {
    for (const doc of [org('a&#0;b'), org('a&#1;b'), org('okorg', 'x&#xFFFF;')]) {
      const reply = await send(server, 'POST', '/api/admin/orgs', s.admin, doc, ORG_TYPE);
      assert.match(xmlError(reply, 400, 'BAD_REQUEST'), /not well-formed XML: .*which XML 1\.0 does not allow/, doc);
    }
    for (const name of ['ab', 'okorg']) assert.equal(await server.store.getOrgByName(name), undefined, name);
    const put = await send(server, 'PUT', `/api/admin/org/${acmeId}`, s.admin, org('acme', 'Acme&#2;'), ORG_TYPE);
    assert.match(xmlError(put, 400, 'BAD_REQUEST'), /not well-formed XML/);
  });
});

describe('an element the schema takes once, given twice, is refused rather than read first', () => {
  // Until 2026-12-07 the User and AdminOrg documents kept the first copy: two Passwords set the first, two IsEnabled
  // the first, two Roles the first, where a proxy or a log may read the other (OAuth parameters and JSON keys given
  // twice are refused for that reason, and so were a metadata entry's).
  let server: TesseraHandle;
  let s: DemoSessions;
  let acmeId: string;
  let roleHref: string;
  let adminRoleHref: string;

  before(async () => {
    ({ server, s, acmeId } = await startDemoServer());
    const roles = await server.store.listRoles(acmeId);
    roleHref = `${server.baseUrl}/api/admin/role/${roles.find((r) => r.name === 'vApp User')!.id}`;
    adminRoleHref = `${server.baseUrl}/api/admin/role/${roles.find((r) => r.name === 'Organization Administrator')!.id}`;
  });
  after(async () => server?.stop());

  const user = (name: string, inner: string) => `<User xmlns="http://www.vmware.com/vcloud/v1.5" name="${name}">${inner}</User>`;

  test('parseXmlBody: a repeated scalar child is a 400 when read', () => {
    const doc = parseXmlBody(user('u', '<Password>First-pass-123</Password><Password>Second-pass-456</Password>'), 'User');
    assert.throws(
      () => doc.childRawText('Password'),
      (e: unknown) => e instanceof TesseraError && e.status === 400 && /User has 2 Password elements; it takes one/.test(e.message),
    );
    assert.equal(parseXmlBody(user('u', '<Password>Only-pass-123</Password>'), 'User').childRawText('Password'), 'Only-pass-123');
  });

  test('PUT a User with two Passwords, two IsEnabled or two Roles: 400, unchanged', async () => {
    const bob = (await server.store.getUserByName(acmeId, 'bob'))!;
    const docs = [
      user(
        'bob',
        '<FullName>Twice</FullName><IsEnabled>true</IsEnabled><Password>First-pass-123</Password><Password>Second-pass-456</Password>',
      ),
      user('bob', '<FullName>Twice</FullName><IsEnabled>true</IsEnabled><IsEnabled>false</IsEnabled>'),
      user('bob', `<FullName>Twice</FullName><IsEnabled>true</IsEnabled><Role href="${roleHref}"/><Role href="${adminRoleHref}"/>`),
    ];
    for (const doc of docs) {
      const reply = await send(server, 'PUT', `/api/admin/user/${bob.id}`, s.alice, doc, USER_TYPE);
      assert.match(xmlError(reply, 400, 'BAD_REQUEST'), /User has 2 (Password|IsEnabled|Role) elements; it takes one/, doc);
    }
    const after = (await server.store.getUser(bob.id))!;
    assert.equal(after.full_name, bob.full_name);
    assert.equal(after.password_hash, bob.password_hash);
    assert.equal(after.is_enabled, bob.is_enabled);
    assert.equal(after.role_id, bob.role_id);
  });

  test('POST a User with two Roles: 400, no user', async () => {
    const doc = user(
      'twice-role',
      `<IsEnabled>true</IsEnabled><Role href="${roleHref}"/><Role href="${adminRoleHref}"/><Password>User-Password-1234</Password>`,
    );
    const reply = await send(server, 'POST', `/api/admin/org/${acmeId}/users`, s.alice, doc, USER_TYPE);
    assert.match(xmlError(reply, 400, 'BAD_REQUEST'), /User has 2 Role elements; it takes one/);
    assert.equal(await server.store.getUserByName(acmeId, 'twice-role'), undefined);
  });
});
