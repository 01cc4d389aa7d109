/**
 * The bulk revoke's confirmation (Administration > API Tokens, one user's tokens): the tokens selected, or the count
 * of every live token the filter matches and the filter in words. Cancel has the focus, as on a single revoke.
 */
import { html, type SafeHtml } from '../html.js';
import type { TokenListItem } from '../token-queries.js';
import { layout, type PageFrame } from './layout.js';
import { alert, confirmActions, note, pageHeading, timeOrDash } from './components.js';
import { breadcrumb } from './breadcrumb.js';
import { counted } from '../../../domain/counted.js';

export function bulkRevokeConfirmPage(
  frame: PageFrame,
  input: {
    /** The selected tokens (Revoke selected), or null for every live token the filter matches. */
    selected: readonly TokenListItem[] | null;
    /** How many would be revoked now. */
    count: number;
    /** The filter and search in words (token-filter.ts describeFilter). */
    filterText: string;
    /** More than a bulk revoke takes at once: said, and no button. */
    tooMany: number | null;
    /** The count confirmed earlier, when the filter now matches more. */
    changedFrom: number | null;
    action: string;
    hidden: Readonly<Record<string, string | number | null>>;
    cancelHref: string;
  },
): SafeHtml {
  const title = `Revoke ${counted(input.count, 'API tokens')}`;
  const fields = html`${Object.entries(input.hidden)
    .filter(([, v]) => v !== null && v !== '')
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${String(value)}">`)}${
    input.selected
      ? input.selected.map((t) => html`<input type="hidden" name="id" value="${t.id}">`)
      : html`<input type="hidden" name="all" value="1"><input type="hidden" name="count" value="${input.count}">`
  }`;
  return layout(
    frame,
    title,
    html`${breadcrumb([{ href: input.cancelHref, label: 'API tokens' }], 'Revoke API tokens')}
${pageHeading('Revoke API tokens')}
<section class="card card-form" aria-labelledby="bulk-revoke-title">
  <h2 id="bulk-revoke-title" class="card-title" data-testid="bulk-revoke-count">${input.selected ? `Revoke the ${counted(input.count, 'selected API tokens')}?` : `Revoke all ${counted(input.count, 'live API tokens')} matching this filter?`}</h2>
  ${input.changedFrom !== null && alert('warning', `The filter now matches ${counted(input.count, 'live API tokens')}, not the ${input.changedFrom.toLocaleString('en-US')} you confirmed: nothing was revoked. Check the count and confirm again.`)}
  <p data-testid="bulk-revoke-filter">Filter: ${input.filterText}.</p>
  ${note('danger', 'Scripts using these tokens, and every session they opened with them, stop working at once. This cannot be undone.', 'revoke-warning')}
  ${
    input.selected &&
    html`<ul class="bulk-token-list">${input.selected.map(
      (t) => html`<li><span class="token-name">${t.name}</span>, ${t.ownerName} (${t.orgName}), last used ${timeOrDash(t.lastUsedAt)}</li>`,
    )}</ul>`
  }
  ${
    input.tooMany !== null
      ? alert(
          'danger',
          `A bulk revoke takes at most ${input.tooMany.toLocaleString('en-US')} tokens at once: narrow the filter (an organization, an owner, a search) and revoke in parts.`,
        )
      : input.count === 0
        ? html`<p>No live API token matches: there is nothing to revoke. <a href="${input.cancelHref}">Back to the list</a>.</p>`
        : confirmActions({ action: input.action, csrfToken: frame.csrfToken, label: title, cancelHref: input.cancelHref, hidden: fields })
  }
</section>`,
  );
}
