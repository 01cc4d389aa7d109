/**
 * Names that would reorder the page (Unicode bidi, "Trojan Source", CVE-2021-42574), checked where it shows: in
 * Chromium, by the left-to-right position of every drawn character. The portal's views are rendered with such names
 * (a right-to-left override U+202E in a token name; an owner and an organization written in Hebrew, as a row written
 * before names refused bidi controls, or an inventory name from the provider's sync, can hold) and the fixed words
 * around them must still read in their order. Until 2026-12-06 "Revoke <name>?" with the name "\u202Eabc" was drawn
 * "Revoke ?cba", and "owner (org)" in Hebrew was drawn with the organization first.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { tenantPortal } from '../../src/http/portal/portal-org.js';
import type { PageFrame } from '../../src/http/portal/views/layout.js';
import { revokeConfirmPage } from '../../src/http/portal/views/token-pages.js';
import { listedToken } from '../portal/listed-token.js';

const frame: PageFrame = {
  org: tenantPortal('acme'),
  user: { name: 'bob', orgName: 'acme', roleName: 'Organization Administrator' },
  csrfToken: 'csrf',
  showAdministration: true,
};

let browser: Browser;
let page: Page;
const css = readFileSync(new URL('../../src/http/portal/static/app.css', import.meta.url), 'utf8');

before(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
});
after(async () => {
  await browser?.close();
});

/**
 * The text of the element `selector` as drawn: its visible characters ordered by where they are drawn, left to
 * right (one line), the invisible ones (bidi controls, zero width) left out.
 */
async function drawnText(selector: string): Promise<string> {
  // A string, as the other browser tests write it: the test files are compiled without the DOM's types.
  return (await page.evaluate(`(() => {
    const root = document.querySelector(${JSON.stringify(selector)});
    if (!root) throw new Error('no element');
    const chars = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        if (box.width > 0.5) chars.push({ x: box.left + box.width / 2, c: text[i] });
      }
    }
    return chars.sort((a, b) => a.x - b.x).map((ch) => ch.c).join('').replace(/\\s+/g, ' ').trim();
  })()`)) as string;
}

async function show(markup: string): Promise<void> {
  await page.setContent(markup.replace('</head>', `<style>${css}</style></head>`));
}

test('a token name with a right-to-left override does not turn the revoke question around', async () => {
  await show(
    revokeConfirmPage(frame, { token: listedToken({ name: '\u202Eabc' }), showOwner: true, from: 'admin', cancelHref: '/x' }).value,
  );
  // The name itself is drawn as it was written (its override reverses it), the question around it is not.
  assert.equal(await drawnText('#revoke-title'), 'Revoke cba?');
  assert.equal(await page.locator('#revoke-title').innerText(), 'Revoke \u202Eabc?');
});

test('an owner and an organization in Hebrew stay in their order: owner first, organization in brackets after', async () => {
  await show(
    revokeConfirmPage(frame, {
      token: listedToken({ ownerName: 'אבי 2', orgName: 'שלום' }),
      showOwner: true,
      from: 'admin',
      cancelHref: '/x',
    }).value,
  );
  // Each name is drawn right to left on its own (the "2" at its left end), then " (", the organization, ")".
  assert.equal(await drawnText('.properties dd:first-of-type'), '2 יבא (םולש)');
});
