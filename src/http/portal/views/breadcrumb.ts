/**
 * "Where am I, how do I get back": a breadcrumb trail above a page's heading. The token, two-factor and
 * recovery-code pages use it now; when the page frame gets its own breadcrumbs, these pages move to them.
 */
import { html, type SafeHtml } from '../html.js';

export interface Crumb {
  readonly href: string;
  readonly label: string;
}

export function breadcrumb(trail: readonly Crumb[], current: string): SafeHtml {
  return html`<nav class="breadcrumb" aria-label="Breadcrumb">${trail.map(
    (c) => html`<a href="${c.href}">${c.label}</a> <span aria-hidden="true">/</span> `,
  )}<span aria-current="page">${current}</span></nav>`;
}
