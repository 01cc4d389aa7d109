/**
 * The declared answers of the portal's routes (issue 15 §1): each route's `schema.response` is one of the sets
 * below, so the OpenAPI document says what a page, a form, the sign-in forms, the audit export and the static
 * files answer, and schemathesis checks the real answers against it.
 *
 * These schemas describe; they never serialize. The portal sends its HTML as a string with its own content type
 * (respond.ts), and fastify passes strings through untouched (validation.ts installs a serializer for objects
 * only); test/http/portal/responses.test.ts checks that a page and a redirect are byte-identical with and without
 * these declarations.
 *
 * What every portal route can answer, besides its own 200 or 303:
 * - 303 to the sign-in page when the browser is not signed in (or its session ended): the portal is driven by
 *   its cookie alone, so an API bearer or a legacy session header is "not signed in" here, never a 401.
 * - 400 an HTML page when the path, query or form breaks the route's schema, or a form's values are refused;
 *   403 when the principal lacks the right, or a form's CSRF token is missing or wrong; 404 for an unknown
 *   organization portal or entity; 503 when the node cannot check revocations (fail closed).
 * 401 and 429 are the sign-in forms' own (a wrong password or code; too many attempts; 429 also the user-code form's);
 * 413 a form body over
 * the 64 KiB limit.
 */
import { Type, type TSchema } from 'typebox';
import { JsonErrorEnvelope } from '../contract/common.js';

const HTML = Type.String({ description: 'An HTML document (UTF-8)' });

/** A page (`text/html; charset=utf-8`). */
function html(description: string) {
  return { description, content: { 'text/html': { schema: HTML } } };
}

/** A redirect: no body, the target in `Location` (a path on this server). */
function redirect(description: string) {
  return {
    description,
    type: 'null',
    headers: { location: { type: 'string', description: 'Where the browser goes next: a path on this server' } },
  };
}

const ERRORS = {
  400: html('The path, query or form is not valid, or the form was refused: the page says why'),
  403: html("Not allowed (a right is missing), or the form's CSRF token is missing or wrong"),
  404: html('No such organization portal, page or entity'),
  503: html('The node cannot check revocations right now and refuses (fail closed)'),
} as const;

const TOO_LARGE = { 413: html('The form is larger than 64 KiB') } as const;

/** A signed-in page (GET): the page, or to sign-in (or on to another page). */
export const PAGE = {
  200: html('The page'),
  303: redirect('Not signed in: to the sign-in page; or on to the page this one stands for'),
  ...ERRORS,
} as const;

/**
 * A signed-in form (POST, with a CSRF token): after success 303 to the page that shows the result
 * (POST-redirect-GET); some forms answer a page directly (a result shown once, such as recovery codes).
 */
export const FORM = {
  200: html('The result, shown once'),
  303: redirect('Done: to the page that shows the result; or not signed in: to the sign-in page'),
  ...ERRORS,
  ...TOO_LARGE,
} as const;

/** The form that takes a service account's user code: its budget of codes tried (RFC 8628 §5.1) answers 429. */
export const USER_CODE_FORM = {
  ...FORM,
  429: html('Too many user codes tried: the page again, with Retry-After'),
} as const;

/** The sign-in pages (GET /login, /login/code): the form, or on when already signed in or the step expired. */
export const SIGN_IN_PAGE = {
  200: html('The form'),
  303: redirect('Already signed in: to the portal; the code step expired: back to the sign-in page'),
  ...ERRORS,
} as const;

/** The sign-in forms (POST /login, /login/code): a session (303), or the form again with why not. */
export const SIGN_IN_FORM = {
  200: html('The form again'),
  303: redirect('Signed in: to the portal; or on to the verification-code step'),
  ...ERRORS,
  401: html('The user name, password or verification code is wrong: the form again'),
  ...TOO_LARGE,
  429: html('Too many attempts: the form again, with Retry-After'),
} as const;

/** The organization chooser (GET / and /tenant): the form, or to the chosen organization's portal. */
export const CHOOSER = {
  200: html('Which organization? (the form)'),
  303: redirect("To the chosen organization's portal"),
  400: html('Not an organization name, or a display name several organizations share'),
  429: html('Too many look-ups from this address: the form again, with Retry-After'),
  503: ERRORS[503],
} as const;

/** The audit trail's JSON Lines download: one JSON object per line, streamed. */
export const AUDIT_EXPORT = {
  200: {
    description: 'Every matching audit event, newest first, one JSON object per line (attachment audit-<date>.jsonl)',
    content: { 'application/x-ndjson': { schema: Type.String({ description: 'JSON Lines' }) } },
  },
  303: PAGE[303],
  ...ERRORS,
} as const;

/** A 4xx of the static route: an HTML page to a browser (Accept: text/html), the JSON error envelope otherwise. */
function staticError(description: string) {
  return {
    description,
    content: {
      'text/html': { schema: HTML },
      'application/json': { schema: JsonErrorEnvelope },
    },
  };
}

/**
 * The static files under /static/ (app.css, app.js), served by @fastify/static. Its errors are rendered by the
 * app's handlers outside the portal's pages: HTML to a browser, the JSON error envelope to anything else.
 */
export const STATIC_FILE = {
  200: {
    description: 'The file (cached by the browser; revalidated with ETag / Last-Modified)',
    content: {
      'text/css': { schema: Type.String({ description: 'The stylesheet' }) },
      'application/javascript': { schema: Type.String({ description: 'The script' }) },
    },
  },
  304: { description: 'Not modified (a conditional GET)', type: 'null' },
  400: staticError('The file name is longer than 200 characters'),
  404: staticError('No such file'),
} as const;

/** The path parameter of every page under /tenant/{org} (added to each route's params by the portal plugin). */
export const ORG_PARAM = Type.String({
  minLength: 1,
  maxLength: 128,
  description: "The organization's name (as in its portal address, /tenant/<name>)",
});

/** `params` with `org` added: how the portal plugin declares /tenant/{org} on every route under it. */
export function withOrgParam(params: TSchema | undefined): TSchema {
  const given = (params ?? {}) as { properties?: Record<string, TSchema>; required?: string[] };
  return {
    ...given,
    type: 'object',
    properties: { org: ORG_PARAM, ...(given.properties ?? {}) },
    required: ['org', ...(given.required ?? []).filter((name) => name !== 'org')],
  } as TSchema;
}

/**
 * Path ids that the handlers check themselves (a malformed id answers like an unknown or forbidden one, so the
 * pages give no existence oracle): only the length is bounded here, no pattern.
 */
export function pathIds<const N extends string>(...names: N[]) {
  const id = Type.String({ minLength: 1, maxLength: 200, description: 'The UUID of the entity' });
  return Type.Object(Object.fromEntries(names.map((name) => [name, id])) as Record<N, typeof id>);
}
