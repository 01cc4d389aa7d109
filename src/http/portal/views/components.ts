/** Small view pieces shared by the pages: alerts, the CSRF field, times, the token table. */
import { html, type HtmlValue, type SafeHtml } from '../html.js';
import { CSRF_FIELD } from '../csrf.js';
import { isoInstant } from '../../../domain/instant.js';
import { DEFAULT_TIME_ZONE, formatInstant } from '../../../domain/time-zone.js';

export type AlertKind = 'info' | 'success' | 'warning' | 'danger';

/**
 * A message that comes after an action: role=alert for problems (read out at once), role=status for the rest. An
 * error given as text ends with a full stop, whoever wrote it (the services' messages often have none).
 * Fixed text a page always shows (a warning that is part of the page) is a `note`, not an alert.
 */
export function alert(kind: AlertKind, message: HtmlValue, id?: string): SafeHtml {
  const role = kind === 'danger' || kind === 'warning' ? 'alert' : 'status';
  const text = kind === 'danger' && typeof message === 'string' ? sentence(message) : message;
  return html`<div class="alert alert-${kind}" role="${role}"${id ? html` id="${id}"` : ''}><span class="alert-icon" aria-hidden="true"></span><div class="alert-text">${text}</div></div>`;
}

/**
 * The alert's look for text that is part of the page ("Copy this token now", the revoke warning, the two-factor
 * intro): role=note, no live region, so a screen reader reads it in its place instead of interrupting with it.
 */
export function note(kind: AlertKind, message: HtmlValue, id?: string): SafeHtml {
  return html`<div class="alert alert-${kind}" role="note"${id ? html` id="${id}"` : ''}><span class="alert-icon" aria-hidden="true"></span><div class="alert-text">${message}</div></div>`;
}

/** `text` ending with a full stop (or the ? or ! it has): the portal's messages are sentences. */
export function sentence(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed === '' || /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * A form field's describedby (its help, plus the error when the error is about it), aria-invalid and the focus: the
 * field in error gets the focus, else `first` (the form's first field). The New token form's convention, shared.
 */
export function fieldState<F extends string>(field: F, opts: { inError: F | null; errorId: string; help?: string; first: F }): SafeHtml {
  const mine = opts.inError === field;
  const describedBy = [opts.help, mine ? opts.errorId : undefined].filter(Boolean).join(' ');
  return html`${describedBy && html` aria-describedby="${describedBy}"`}${mine ? html` aria-invalid="true"` : ''}${(opts.inError ?? opts.first) === field ? html` autofocus` : ''}`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/**
 * The buttons of a confirmation page (a revoke, a disable, a delete): the action, which posts, and Cancel, which has
 * the focus, so that Enter on arrival takes nothing away.
 */
export function confirmActions(input: {
  action: string;
  csrfToken: string;
  label: string;
  cancelHref: string;
  hidden?: SafeHtml;
}): SafeHtml {
  return html`<form method="post" action="${input.action}" class="form-actions">
    ${csrfField(input.csrfToken)}${input.hidden ?? ''}
    <button type="submit" class="btn btn-danger">${input.label}</button>
    <a class="btn btn-link" href="${input.cancelHref}" autofocus>Cancel</a>
  </form>`;
}

/**
 * `2026-11-27 14:03 UTC` in a <time> element; `fallback` when there is no time. Views write UTC; `sendPage` then
 * shows every such element in the viewer's time zone (showTimesIn), so no view needs the zone passed down.
 */
export function timeOrDash(ms: number | null, fallback = 'Never'): SafeHtml {
  const iso = isoInstant(ms);
  if (iso === null) return html`<span class="muted">${fallback}</span>`;
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
}

/**
 * The <time> elements timeOrDash wrote, shown in `zone` (`2026-11-27 15:03 CET`); the `datetime` attribute stays
 * the UTC instant. Safe on a rendered page: the html tag escapes every `<` of data, so only markup the views wrote
 * can match.
 */
const UTC_TIME_ELEMENT = /<time datetime="(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)">[^<]*<\/time>/g;
export function showTimesIn(page: string, zone: string): string {
  if (zone === DEFAULT_TIME_ZONE) return page;
  return page.replace(UTC_TIME_ELEMENT, (_match, iso: string) => `<time datetime="${iso}">${formatInstant(Date.parse(iso), zone)}</time>`);
}

export function pageHeading(title: string, subtitle?: HtmlValue): SafeHtml {
  return html`<div class="page-heading"><h1>${title}</h1>${subtitle ? html`<p class="page-subtitle">${subtitle}</p>` : ''}</div>`;
}

/**
 * A read-only value with a copy button; the button appears only when app.js runs (it does the copying). `copies`
 * names what the button copies ("token", "curl command"): its accessible name is "Copy <copies>", so that several
 * buttons on a page are told apart; the visible label stays "Copy" (app.js shows "Copied" in `.copy-label`).
 * The value is a named group (ARIA names no generic element: a <pre> with only `aria-label` broke that rule), kept
 * from page translation, and focusing it selects it (app.js).
 */
export function copyableBlock(id: string, value: string, label: string, kind: 'secret' | 'code' = 'code', copies?: string): SafeHtml {
  return html`<div class="copyable copyable-${kind}">
  <pre class="copyable-value" id="${id}" tabindex="0" role="group" aria-label="${label}" translate="no">${value}</pre>
  <button type="button" class="btn btn-sm btn-outline copy-button" data-copy="${id}" hidden><span class="copy-label">Copy</span>${copies ? html`<span class="visually-hidden"> ${copies}</span>` : ''}</button>
</div>`;
}

/**
 * Where app.js says a copy's outcome ("Copied to the clipboard.", or how to copy by hand): a polite status region,
 * one per page that has copy buttons. The button's own label also changes, but a changed label is not read out.
 */
export function copyStatus(): SafeHtml {
  return html`<p class="copy-status" role="status" aria-live="polite" data-copy-status></p>`;
}

/**
 * A list's search form (GET, the list's own path): one text field `search`, Search, and Clear while a search is
 * given. The lists with more filters (tokens, VMs, audit) write their own form around the same field.
 */
export function searchBar(input: { path: string; ariaLabel: string; inputId: string; label: string; search: string }): SafeHtml {
  return html`<form method="get" action="${input.path}" class="filter-bar" role="search" aria-label="${input.ariaLabel}">
  <span class="filter-pair"><label for="${input.inputId}">${input.label}</label>
  <input id="${input.inputId}" name="search" type="search" value="${input.search}" maxlength="128" autocomplete="off"></span>
  <button type="submit" class="btn btn-sm btn-primary">Search</button>
  ${input.search !== '' && html`<a class="btn btn-sm btn-link" href="${input.path}">Clear</a>`}
</form>`;
}
