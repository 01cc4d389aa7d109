/**
 * No NUL character in a querystring or a body: a 400 in the format of the API called, before any handler runs.
 *
 * No name, filter, password, description or token of this product holds U+0000. SQLite would store or look up
 * such a string as sent, while PostgreSQL's text type refuses it, so the same request answered 404 on one backend
 * and 500 on the other (schemathesis found `?org=<NUL>` on the portal's "New user" page). One hook for every
 * route, whichever of the three validator compilers its area uses, gives both backends the same 400.
 *
 * Path parameters are left to their routes: they are ids and names whose "no such object" answer is the route's
 * own (VCD answers 403 for an id it cannot resolve, whatever its bytes); test/security/nul-input.test.ts sends NUL
 * in every one of them, on both backends, and wants no 5xx. Headers cannot carry NUL: Node's HTTP parser refuses them.
 *
 * The OpenAPI document states the rule where it applies (`declaringNoNul`), so that a client generator or a fuzzer
 * knows it: without it schemathesis sent NUL in most strings it generated and counted the 400s as a mismatch.
 */
import type { FastifyInstance } from 'fastify';
import { TesseraError } from '../domain/errors.js';

/** Installs the check on an app, before any route (a preValidation hook: after the body is parsed). */
export function installNulGuard(app: FastifyInstance): void {
  // Callback style: an async hook would cost every request (the token exchange among them) a promise.
  app.addHook('preValidation', (request, _reply, done) => {
    const inQuery = pathOfNul(request.query);
    const inBody = inQuery === null ? pathOfNul(request.body) : null;
    if (inQuery !== null) return done(new NulInputError('querystring', inQuery));
    if (inBody !== null) return done(new NulInputError('body', inBody));
    done();
  });
}

/**
 * The refusal: `Invalid request: querystring/search must not contain a NUL character` in every area. It says where, so
 * that the portal can say it in words (portal/invalid-request.ts).
 */
export class NulInputError extends TesseraError {
  /** The parameter or field holding the NUL (the first step of the path), or null for a text body. */
  readonly field: string | null;
  readonly where: 'querystring' | 'body';

  constructor(where: 'querystring' | 'body', path: string) {
    super('BAD_REQUEST', `Invalid request: ${where}${path} must not contain a NUL character`);
    this.where = where;
    this.field = path.split('/').filter(Boolean)[0] ?? null;
  }
}

/**
 * The JSON-pointer path of a string (a value or a property name) holding U+0000, or null. Iterative: a body may
 * nest as deep as its sender likes. Strings are checked where they stand and a path is built only for a nested
 * container: the usual request (a flat form or query) allocates one array of keys per object and nothing else.
 */
export function pathOfNul(root: unknown): string | null {
  if (typeof root === 'string') return root.includes('\u0000') ? '' : null; // a text body
  if (root === null || typeof root !== 'object') return null;
  // The containers still to look at: none until a nested one is met, so a flat form or query allocates no list.
  let pending: Array<{ container: object; path: string }> | null = null;
  let container: object = root;
  let path = '';
  for (;;) {
    // Raw bytes (an upload) are the route's to read, not text.
    if (!ArrayBuffer.isView(container)) {
      const isArray = Array.isArray(container);
      const keys = isArray ? null : Object.keys(container);
      const count = isArray ? (container as unknown[]).length : keys!.length;
      for (let i = 0; i < count; i++) {
        const key = isArray ? String(i) : keys![i]!;
        if (!isArray && key.includes('\u0000')) return `${path}/${key.replaceAll('\u0000', '\\0')}`;
        const value: unknown = isArray ? (container as unknown[])[i] : (container as Record<string, unknown>)[key];
        if (typeof value === 'string') {
          if (value.includes('\u0000')) return `${path}/${key}`;
        } else if (value !== null && typeof value === 'object') {
          (pending ??= []).push({ container: value, path: `${path}/${key}` });
        }
      }
    }
    const next = pending?.pop();
    if (next === undefined) return null;
    ({ container, path } = next);
  }
}

/** The rule as a JSON-schema pattern (ECMAScript and Python regex alike). */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

/**
 * A copy of a querystring or body schema for the OpenAPI document, with NO_NUL_PATTERN on every string schema that
 * does not already constrain its characters (a pattern, a format, an enum or a const). Validation keeps using the
 * route's own schema: the hook above enforces the rule.
 */
export function declaringNoNul<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((item: unknown) => declaringNoNul(item)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = declaringNoNul(value);
  const constrained = ['pattern', 'format', 'enum', 'const'].some((key) => key in copy);
  if (copy.type === 'string' && !constrained) copy.pattern = NO_NUL_PATTERN;
  return copy as T;
}
