/**
 * Breadcrumbs: the way back from every page (issue 14 §5). A page passes its trail to `layout(..., { crumbs })`,
 * from the section down to itself; the last crumb is the current page (no link, aria-current="page"). The
 * WAI-ARIA breadcrumb pattern: a labelled <nav> with an ordered list, separators drawn by the stylesheet.
 */
import { html, type SafeHtml } from '../html.js';

export interface Crumb {
  readonly label: string;
  /** Absent for the current page. */
  readonly href?: string;
}

export function breadcrumbs(crumbs: readonly Crumb[]): SafeHtml {
  const last = crumbs.length - 1;
  return html`<nav class="breadcrumb" aria-label="Breadcrumb"><ol class="breadcrumb-list">${crumbs.map((crumb, i) =>
    i === last || !crumb.href
      ? html`<li class="breadcrumb-item"${i === last ? html` aria-current="page"` : ''}>${crumb.label}</li>`
      : html`<li class="breadcrumb-item"><a href="${crumb.href}">${crumb.label}</a></li>`,
  )}</ol></nav>`;
}
