/**
 * The page shell: head (one stylesheet, one deferred script, nothing inline: the CSP allows neither), the
 * header bar with the main navigation and the user menu, and the main area. The user menu is a <details>
 * element, so it opens with the keyboard (Enter/Space on its summary) with or without app.js.
 */
import { html, type HtmlValue, type SafeHtml } from '../html.js';
import type { PortalOrg } from '../portal-org.js';
import { csrfField } from './components.js';
import { breadcrumbs, type Crumb } from './breadcrumbs.js';

export interface SignedInUser {
  readonly name: string;
  readonly orgName: string;
  readonly roleName: string;
}

export type Section = 'home' | 'datacenters' | 'vms' | 'administration' | 'preferences';

export interface PageFrame {
  readonly org: PortalOrg | null;
  /** The signed-in user (shows the navigation and the user menu), or null on sign-in and error pages. */
  readonly user: SignedInUser | null;
  /** The session's CSRF token, for the sign-out form in the user menu. */
  readonly csrfToken: string;
  /** The signed-in user's time zone (labels of date fields); absent: UTC. */
  readonly timeZone?: string;
  /** Whether the Administration entry is shown (holders of "Manage all users' API tokens"). */
  readonly showAdministration: boolean;
  /** Which Administration tabs the user may open (absent: Users and API Tokens only). */
  readonly adminTabs?: { readonly tokens: boolean; readonly serviceAccounts: boolean };
  /** Data Centers and Virtual Machines in the main navigation ("Organization VDC: View", "vApp: View"). */
  readonly inventoryNav?: { readonly datacenters: boolean; readonly vms: boolean };
  /** The Administration tabs beyond tokens and service accounts (views/admin-nav.ts). */
  readonly adminAreas?: { readonly users: boolean; readonly audit: boolean; readonly tokenPolicy: boolean; readonly orgs: boolean };
  readonly active?: Section;
}

export interface LayoutOptions {
  readonly centered?: boolean;
  /** The way back: rendered above the content (views/breadcrumbs.ts); the last crumb is this page. */
  readonly crumbs?: readonly Crumb[];
}

export function layout(frame: PageFrame, title: string, content: HtmlValue, options: LayoutOptions = {}): SafeHtml {
  const base = frame.org?.basePath ?? '';
  const user = frame.user;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Tessera</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="app-header">
  <a class="brand" href="${frame.org ? `${base}/` : '/'}"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">Tessera</span><span class="brand-product">Cloud Director</span></a>
  ${
    user
      ? html`<nav class="header-nav" aria-label="Main">
    ${navLink(`${base}/`, 'Home', frame.active === 'home')}
    ${frame.inventoryNav?.datacenters && navLink(`${base}/datacenters`, 'Data Centers', frame.active === 'datacenters')}
    ${frame.inventoryNav?.vms && navLink(`${base}/vms`, 'Virtual Machines', frame.active === 'vms')}
    ${frame.showAdministration && navLink(`${base}/administration`, 'Administration', frame.active === 'administration')}
  </nav>
  ${userMenu(base, user, frame.csrfToken, frame.active === 'preferences')}`
      : frame.org && html`<span class="header-org">${frame.org.kind === 'provider' ? 'Provider' : frame.org.orgName}</span>`
  }
</header>
<main id="main" class="${options.centered ? 'content content-centered' : 'content'}" tabindex="-1">
${options.crumbs && options.crumbs.length > 0 && breadcrumbs(options.crumbs)}
${content}
</main>
</body>
</html>
`;
}

function navLink(href: string, label: string, current: boolean): SafeHtml {
  return html`<a class="header-nav-link" href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a>`;
}

/**
 * `onPreferences`: User preferences is where the user is (its link is the header's way there, as Home and
 * Administration are in the main navigation); until 2026-12-07 no header link said so on those pages.
 */
function userMenu(base: string, user: SignedInUser, csrfToken: string, onPreferences: boolean): SafeHtml {
  return html`<details class="user-menu">
    <summary class="user-menu-toggle"><span class="user-menu-icon" aria-hidden="true"></span><span class="user-menu-name">${user.name}</span><span class="visually-hidden"> (user menu)</span></summary>
    <div class="user-menu-panel">
      <div class="user-menu-who"><strong>${user.name}</strong><span>${user.orgName} · ${user.roleName}</span></div>
      <a class="user-menu-item" href="${base}/preferences"${onPreferences ? html` aria-current="page"` : ''}>User preferences</a>
      <form method="post" action="${base}/sign-out" class="user-menu-form">${csrfField(csrfToken)}<button type="submit" class="user-menu-item">Sign out</button></form>
    </div>
  </details>`;
}
