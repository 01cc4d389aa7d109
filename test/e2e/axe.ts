/**
 * axe-core in a Chromium page, for the portal's accessibility tests (test/e2e/accessibility.test.ts, every visitor's
 * pages; test/portal/accessibility.test.ts, the sign-in's code step, the bulk revoke and what axe cannot check).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * WCAG 2.0 to 2.2 A and AA, axe's best practices, and its experimental rules, which axe leaves off unless asked
 * for: among them p-as-heading (WCAG 1.3.1), which found the error pages' status number styled as a heading.
 */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice', 'experimental'];

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe's serious and critical violations on the page as it is now (axe injected once per document). */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const script = `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + '  ' + n.html.slice(0, 160)) })))`;
  const all = (await page.evaluate(script)) as Violation[];
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
