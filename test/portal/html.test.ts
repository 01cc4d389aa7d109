import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bidiSensitive, escapeHtml, html, isolateText, joinHtml, plainText, SafeHtml } from '../../src/http/portal/html.js';

test('escapes every character that can open markup or leave an attribute', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&\`</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
});

test('interpolated strings are escaped, the template itself is not', () => {
  const name = '<script>alert(1)</script>';
  assert.equal(html`<td>${name}</td>`.value, '<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>');
});

test('an attribute value cannot break out of its quotes', () => {
  const evil = '" onmouseover="alert(1)';
  assert.equal(html`<input value="${evil}">`.value, '<input value="&quot; onmouseover=&quot;alert(1)">');
});

test('nested html fragments are kept as markup, not escaped twice', () => {
  const inner = html`<b>${'a&b'}</b>`;
  assert.equal(html`<p>${inner}</p>`.value, '<p><b>a&amp;b</b></p>');
});

test('arrays are joined and each element escaped; false, null and undefined render nothing', () => {
  const items = ['<1>', html`<i>2</i>`, 3];
  assert.equal(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.value, '<ul><li>&lt;1&gt;</li><li><i>2</i></li><li>3</li></ul>');
  assert.equal(html`[${false}${null}${undefined}${true}]`.value, '[]');
  assert.equal(html`${0}`.value, '0', 'zero is a value, not "nothing"');
  assert.equal(joinHtml(['<', html`<br>`]).value, '&lt;<br>');
});

test('only SafeHtml passes unescaped: a look-alike object is stringified and escaped', () => {
  const fake = { value: '<b>', toString: () => '<b>' } as unknown as string;
  assert.equal(html`${fake}`.value, '&lt;b&gt;');
  assert.ok(html`x` instanceof SafeHtml);
});

const FSI = '\u2068';
const PDI = '\u2069';

test('text that can reorder the page is isolated in element content: <bdi> around it, escaped inside', () => {
  for (const name of ['\u202Eabc', '\u2067x', 'שלום 123', 'مرحبا', 'a\u200Fb', 'x\u061C', '\u{10900}']) {
    assert.equal(bidiSensitive(name), true, JSON.stringify(name));
    assert.equal(html`<p>Revoke ${name} of bob?</p>`.value, `<p>Revoke <bdi>${name}</bdi> of bob?</p>`);
  }
  assert.equal(html`<td>${'<\u202E>'}</td>`.value, '<td><bdi>&lt;\u202E&gt;</bdi></td>', 'escaped and isolated');
  assert.equal(joinHtml(['\u202Eabc']).value, '<bdi>\u202Eabc</bdi>');
  assert.equal(html`<ul>${['שלום', 'b'].map((n) => html`<li>${n}</li>`)}</ul>`.value, '<ul><li><bdi>שלום</bdi></li><li>b</li></ul>');
});

test('left-to-right text, numbers and markup are written as before: no <bdi> around every word', () => {
  for (const name of ['alice', 'José', 'Ωmega', '東京', 'zero\u200Bwidth', '2026-12-06 10:00 UTC', '(a) [b]']) {
    assert.equal(bidiSensitive(name), false, name);
    assert.equal(html`<td>${name}</td>`.value, `<td>${escapeHtml(name)}</td>`);
  }
  assert.equal(html`<td>${12}</td>`.value, '<td>12</td>');
});

test('attribute values are never changed: a form sends back the name as typed, an address stays an address', () => {
  const name = '\u202Eabc';
  assert.equal(html`<input name="n" value="${name}">`.value, `<input name="n" value="${name}">`);
  assert.equal(html`<a href="/t/${'שלום'}" aria-label='Revoke ${name}'>x</a>`.value, `<a href="/t/שלום" aria-label='Revoke ${name}'>x</a>`);
  assert.equal(html` value="${name}"`.value, ` value="${name}"`, 'a fragment that starts inside a tag');
  assert.equal(
    html`<a title="a > b" href="${name}">${name}</a>`.value,
    `<a title="a > b" href="${name}"><bdi>${name}</bdi></a>`,
    'a > inside quotes',
  );
});

test('in <title> and <option>, where markup is impossible, the isolate is U+2068 ... U+2069', () => {
  const name = '\u202Eabc';
  assert.equal(
    html`<title>${name} · Tessera</title><p>${name}</p>`.value,
    `<title>${FSI}${name}${PDI} · Tessera</title><p><bdi>${name}</bdi></p>`,
  );
  assert.equal(
    html`<select><option value="${name}"${true && html` selected`}>${name}</option></select>${name}`.value,
    `<select><option value="${name}" selected>${FSI}${name}${PDI}</option></select><bdi>${name}</bdi>`,
  );
  assert.equal(html`<option value="x">${'alice'}</option>`.value, '<option value="x">alice</option>');
});

test('plainText`` isolates each value of a plain-text message; isolateText leaves left-to-right text alone', () => {
  assert.equal(
    plainText`The API token "${'\u202Eabc'}" was revoked by ${'bob'} (${3}).`,
    `The API token "${FSI}\u202Eabc${PDI}" was revoked by bob (3).`,
  );
  assert.equal(isolateText('alice'), 'alice');
  assert.equal(isolateText('שלום'), `${FSI}שלום${PDI}`);
  // Such a message needs no second isolate (whose direction, from its first letter, would be the name's): its
  // isolates are closed, what is outside them is left to right. An isolate left open still counts.
  assert.equal(html`<div>${plainText`${'שלום'} revoked`}</div>`.value, `<div>${FSI}שלום${PDI} revoked</div>`);
  assert.equal(html`<title>${plainText`${'שלום'} revoked`}</title>`.value, `<title>${FSI}שלום${PDI} revoked</title>`);
  assert.equal(bidiSensitive(`${FSI}a${FSI}‮b${PDI}${PDI}`), false);
  for (const open of [`${FSI}abc`, `⁧x`, `${FSI}a${PDI}‮b`, `${FSI}a b${PDI}`, `${PDI}שלום`])
    assert.equal(bidiSensitive(open), true, JSON.stringify(open));
});
