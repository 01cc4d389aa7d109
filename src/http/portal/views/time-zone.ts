/**
 * User preferences > Time zone: the zone the portal shows dates in and reads typed dates in (issue 14 §5). Dates
 * are stored in UTC whatever is chosen; each option says its current offset, so "Europe/Paris (UTC+01:00)".
 */
import { html, type SafeHtml } from '../html.js';
import { layout, type PageFrame } from './layout.js';
import { breadcrumb } from './breadcrumb.js';
import { alert, csrfField, pageHeading } from './components.js';
import { formatInstant, offsetLabel, supportedTimeZones, zonedParts } from '../../../domain/time-zone.js';

export function timeZonePage(frame: PageFrame, input: { current: string; error: string | null; now: number }): SafeHtml {
  const base = frame.org!.basePath;
  const options = supportedTimeZones().map((zone) => {
    const offset = zone === 'UTC' ? '' : ` (${offsetLabel(zonedParts(input.now, zone).offsetMinutes)})`;
    return html`<option value="${zone}"${zone === input.current && html` selected`}>${zone}${offset}</option>`;
  });
  return layout(
    { ...frame, active: 'preferences' },
    'Time zone',
    html`${breadcrumb([{ href: `${base}/preferences#time-zone`, label: 'User preferences' }], 'Time zone')}
${pageHeading('Time zone')}
<section class="card card-form">
  ${input.error && alert('danger', input.error, 'time-zone-error')}
  <p>The portal shows dates and times in this zone, labelled with its abbreviation or offset, and reads the dates you type (such as a token's expiry) in it. They are stored in UTC, and the API always answers in UTC.</p>
  <form method="post" action="${base}/preferences/time-zone" class="form-stack">
    ${csrfField(frame.csrfToken)}
    <div class="field">
      <label for="time-zone">Time zone</label>
      <select id="time-zone" name="timeZone" autofocus aria-describedby="time-zone-help${input.error ? ' time-zone-error' : ''}"${input.error && html` aria-invalid="true"`}>${options}</select>
      <p class="field-help" id="time-zone-help">Now in ${input.current}: <strong>${formatInstant(input.now, input.current)}</strong>. The list is the server's IANA time zones; UTC is the default.</p>
    </div>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary">Save</button>
      <a class="btn btn-link" href="${base}/preferences#time-zone">Cancel</a>
    </div>
  </form>
</section>`,
  );
}
