/**
 * An error as a page: status, a safe message (TesseraError messages never carry secrets), a way back. The status is
 * part of the heading ("404 Page not found"): a large number in a paragraph above it looked like a heading that a
 * screen reader's heading list did not have (axe p-as-heading).
 */
import { html, type SafeHtml } from '../html.js';
import { layout, type PageFrame } from './layout.js';
import { sentence } from './components.js';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Page not found',
  405: 'Not allowed',
  413: 'Too large',
  415: 'Not a form',
  429: 'Too many requests',
  503: 'Service unavailable',
};

export function errorPage(frame: PageFrame, status: number, message: string): SafeHtml {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Error');
  const home = frame.org ? `${frame.org.basePath}/` : '/';
  return layout(
    frame,
    title,
    html`<section class="card error-card" aria-labelledby="error-title">
  <h1 id="error-title" class="card-title"><span class="error-status">${status}</span> ${title}</h1>
  <p>${sentence(message)}</p>
  <p><a class="btn btn-outline" href="${home}">Back to the portal</a></p>
</section>`,
    { centered: true },
  );
}
