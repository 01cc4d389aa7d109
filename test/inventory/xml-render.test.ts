import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { attrs, el, escapeXml, textEl, xmlDocument } from '../../src/inventory/xml-render.js';

// htmlEntities: decode numeric character references (&#10;) as every XML parser does.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
});

test('elements, attributes and text', () => {
  assert.equal(
    el('Link', { rel: 'down', href: 'https://h/a?b=1&c=2', skip: undefined, none: null }),
    '<Link rel="down" href="https://h/a?b=1&amp;c=2"/>',
  );
  assert.equal(el('Vdcs', {}, [el('Vdc', { n: 1 }), el('Vdc', { b: false })]), '<Vdcs><Vdc n="1"/><Vdc b="false"/></Vdcs>');
  assert.equal(textEl('IsEnabled', true), '<IsEnabled>true</IsEnabled>');
  assert.equal(textEl('Description', ''), '<Description></Description>');
  assert.equal(textEl('Description', null), '');
  assert.equal(attrs({ a: 'x"y<z>' }), ' a="x&quot;y&lt;z&gt;"');
});

test('characters XML cannot carry are dropped, newlines survive in attributes', () => {
  assert.equal(escapeXml('a\u0000b\u001Fc'), 'abc');
  const doc = xmlDocument('R', { v: 'line1\nline2\ttab' });
  assert.equal(parser.parse(doc).R['@v'], 'line1\nline2\ttab');
});

test('property: any string round-trips through an attribute and a text element', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'grapheme' }),
        fc.constant('a\r\nb\rc'),
        fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '\r', '\n', '\t', 'x') }),
      ),
      (value) => {
        const clean = value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
        const doc = xmlDocument('Root', { value }, textEl('Text', value));
        const parsed = parser.parse(doc);
        assert.equal(parsed.Root['@value'], clean);
        // \r is escaped too, so even CR LF survives the parser's line-end normalisation.
        assert.equal(String(parsed.Root.Text ?? ''), clean);
      },
    ),
    { numRuns: 500 },
  );
});
