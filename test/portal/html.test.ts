import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, joinHtml, SafeHtml } from '../../src/http/portal/html.js';

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
