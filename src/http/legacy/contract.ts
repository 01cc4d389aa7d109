/**
 * The declared contract of VCD's legacy API under /api (issue 15 §1): the TypeBox pieces every /api route's
 * `schema` is made of. Fastify validates params, querystring, headers and bodies against them before the
 * handler runs (a failure is VCD's `Error` document, 400, rendered by error-handler.ts), the handlers take their
 * types from them, and the OpenAPI document (src/http/openapi.ts) is generated from them.
 *
 * Leniency decisions, each because a real, unmodified client needs it:
 * - **Querystrings are open** (`additionalProperties` allowed): VCD ignores parameters it does not know, and
 *   clients send some (govcd's `&` leftovers, pyvcloud's `links=true`, cache busters). Known ones are typed.
 * - **`type` may repeat**: govcd sends it twice (`/api/query?type=vm&...&type=vm`): "a string, or a list of at
 *   most two"; the query service (inventory/query/params.ts) accepts the same value repeated and refuses different
 *   ones. The other parameters are single strings, and their lengths are bounded so that the longest query string
 *   the contract allows, percent-encoded, stays well under Node's 16 KiB request-head limit (beyond it Node
 *   itself answers 431, before Tessera can speak VCD's format).
 * - **Empty values are allowed** (`sortAsc=&sortDesc=`, `page=`): govcd's query helpers send them.
 * - **Path ids** are a UUID or a URN (`urn:vcloud:org:<uuid>`), as clients use either. Only their length is
 *   bounded here, no pattern: VCD answers a malformed id like an unknown or forbidden one (403, no existence
 *   oracle), and the handlers keep doing so; a pattern would turn some of those into 400s.
 * - **XML bodies** are declared by content type as XML documents (strings); what is inside is checked by the XML
 *   input layer (xml-input.ts: well-formedness, no DOCTYPE, root element, every typed value), which answers the
 *   same VCD 400. Other content types are not refused by the contract: govcd and Terraform send the entity's own
 *   type, scripts send `application/xml`, and VCD reads the document either way.
 * - **Headers** are never closed: only `Accept` is described (it chooses XML or JSON and the API version).
 * - **Responses** are XML documents (strings) or VCD JSON (objects) with the entity's media type; errors are VCD's
 *   `Error` in either form. The response schemas describe; they never filter (validation.ts).
 */
import { Type, type TSchema } from 'typebox';
import { named, namedResponse } from '../contract/components.js';

/** Largest XML document a client may send to the admin API (the content-type parser's own limit). */
export const MAX_XML_BODY = 64 * 1024;

/** OpenAPI tags of the legacy API's operations (the document groups by them). */
export const TAG = {
  versions: 'VCD legacy API: versions',
  sessions: 'VCD legacy API: sessions',
  inventory: 'VCD legacy API: inventory',
  admin: 'VCD legacy API: admin',
  query: 'VCD legacy API: query service',
} as const;

// ------------------------------------------------------------------ path parameters

/** `{id}`: an entity's UUID or URN. */
export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 200, description: 'The UUID or the URN (urn:vcloud:<kind>:<uuid>) of the entity' }) },
  { additionalProperties: false },
);

/** `{ref}` under /api/vApp and /api/vAppTemplate: `vapp-<id>`, `vappTemplate-<id>` or `vm-<id>`. */
export const RefParams = Type.Object(
  {
    ref: Type.String({
      minLength: 1,
      maxLength: 220,
      description: 'vapp-<uuid>, vappTemplate-<uuid> or vm-<uuid>, as the hrefs Tessera hands out',
    }),
  },
  { additionalProperties: false },
);

// ------------------------------------------------------------------ querystrings

/**
 * A query parameter that may be given twice (govcd's `type`; see the leniency notes above): the query service takes
 * the same value twice and refuses two different ones in its own words (inventory/query/params.ts). Every query
 * service parameter is declared so (until 2026-12-05 only `type`: `pageSize=5&pageSize=5` was refused with
 * "querystring/pageSize must be string").
 */
const repeatable = (value: TSchema, description: string) =>
  Type.Optional(Type.Union([value, Type.Array(value, { maxItems: 2 })], { description }));

const FILTER_MAX = 2 * 1024;
/**
 * A page number or size, an offset: the declared schema bounds the length only, and the query service's own parse
 * (inventory/query/params.ts) says what is wrong in VCD's words ("must be a whole number from 1 to 999999999, got
 * \"-1\""). Until 2026-12-05 a pattern here answered `querystring/page must match pattern "^\s*(?:[0-9]{1,9}\s*)?$"`
 * first. (Its earlier form `^\s*[0-9]{0,9}\s*$` had also backtracked: `?page=` with 65,000 `+` took 1.4 s; the
 * parse trims once and tests `^\d{1,9}$`, linear, and the length bound comes first.)
 */
const PAGE_NUMBER_LENGTH = 32;

/** The query service's parameters (vcd-wire §9.1). `type` only on /api/query; the packaged paths fix it. */
function queryParameters(withType: boolean) {
  return Type.Object(
    {
      ...(withType
        ? {
            type: repeatable(
              Type.String({ maxLength: 64 }),
              'The query type (vm, vApp, orgVdc, adminVM, organization, user, ...); absent: the QueryList',
            ),
          }
        : {}),
      page: repeatable(Type.String({ maxLength: PAGE_NUMBER_LENGTH }), 'Page number, from 1 (default 1)'),
      pageSize: repeatable(
        Type.String({ maxLength: PAGE_NUMBER_LENGTH }),
        'Records per page (default 25; larger values are clamped to 128, as VCD does)',
      ),
      offset: repeatable(
        Type.String({ maxLength: PAGE_NUMBER_LENGTH }),
        'Accepted when 0 (the default); any other offset answers 400: page with page and pageSize',
      ),
      format: repeatable(
        Type.String({ pattern: '^[A-Za-z]{0,16}$' }),
        'records (default), references or idrecords, in any case (other values answer 400)',
      ),
      filter: repeatable(Type.String({ maxLength: FILTER_MAX }), 'A FIQL filter, e.g. name==web*;isDeployed==true'),
      filterEncoded: repeatable(Type.String({ maxLength: 8 }), 'true when the filter values are URL-encoded once more'),
      sortAsc: repeatable(Type.String({ maxLength: 128 }), 'Sort ascending by this attribute'),
      sortDesc: repeatable(Type.String({ maxLength: 128 }), 'Sort descending by this attribute'),
      fields: repeatable(Type.String({ maxLength: 1024 }), 'Attributes to render, comma-separated (metadata:<key> too)'),
      links: repeatable(Type.String({ maxLength: 8 }), 'Accepted and ignored (pyvcloud sends links=true)'),
    },
    { additionalProperties: true, description: 'Unknown parameters are ignored, as VCD does' },
  );
}

export const TypedQuerystring = queryParameters(true);
export const PackagedQuerystring = queryParameters(false);

/**
 * `DELETE /api/admin/org/{id}?force=&recursive=`: true, false (in any case) or empty. VCD reads them as Java booleans,
 * case-insensitively; pyvcloud formats Python's `True`/`False` into the URL (`vcd org delete` sends `force=False`).
 */
const BOOLEAN_PATTERN = '^([tT][rR][uU][eE]|[fF][aA][lL][sS][eE])?$';
export const OrgDeleteQuerystring = Type.Object(
  {
    // An enabled org is refused whatever force says (govcd disables it first): force is for its deployed vApps.
    force: Type.Optional(Type.String({ pattern: BOOLEAN_PATTERN, description: 'Also delete deployed vApps (with recursive)' })),
    recursive: Type.Optional(
      Type.String({
        pattern: BOOLEAN_PATTERN,
        description: 'Also delete what it holds (an org: users, VDCs, vApps; a catalog: templates)',
      }),
    ),
  },
  { additionalProperties: true },
);

/** Routes that read no query parameter still accept (and ignore) any, as VCD does. */
export const AnyQuerystring = Type.Object({}, { additionalProperties: true });

// ------------------------------------------------------------------ headers

export const ApiHeaders = Type.Object(
  {
    accept: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          'application/*+xml;version=37.0 (XML, the default) or application/*+json;version=37.0 (VCD JSON); an unsupported version answers 406',
      }),
    ),
  },
  { additionalProperties: true },
);

// ------------------------------------------------------------------ bodies

/** An XML document body of the given VCD media type (also accepted as application/xml or text/xml). */
export function xmlBody(mediaType: string, root: string) {
  const schema = Type.String({ minLength: 1, maxLength: MAX_XML_BODY, description: `A ${root} XML document` });
  return { content: { [mediaType]: { schema }, 'application/xml': { schema }, 'text/xml': { schema } } };
}

// ------------------------------------------------------------------ responses

const jsonType = (mediaType: string) => mediaType.replace(/\+xml$/, '+json');

/** VCD JSON documents are described as objects: their shape is the XML document's, in VCD's JSON mapping. */
const VcdJsonDocument = named('VcdJsonDocument', Type.Object({}, { additionalProperties: true }));
const VcdXmlDocument = named('VcdXmlDocument', Type.String({ description: 'The XML document' }));

/** An entity document (one of these media types): XML by default, VCD JSON for `Accept: application/*+json`. */
export function documentResponse(mediaTypes: string | readonly string[], description: string) {
  const content: Record<string, { schema: TSchema }> = {};
  for (const mediaType of typeof mediaTypes === 'string' ? [mediaTypes] : mediaTypes) {
    content[mediaType] = { schema: VcdXmlDocument };
    content[jsonType(mediaType)] = { schema: VcdJsonDocument };
  }
  return { description, content };
}

const ERROR_XML = 'application/vnd.vmware.vcloud.error+xml';

const VcdXmlError = named('VcdXmlError', Type.String({ description: '<Error minorErrorCode=".." message=".." majorErrorCode=".."/>' }));
const VcdJsonError = named(
  'VcdJsonError',
  Type.Object(
    {
      message: Type.String(),
      majorErrorCode: Type.Integer(),
      minorErrorCode: Type.String(),
      vendorSpecificErrorCode: Type.Null(),
      stackTrace: Type.Null(),
    },
    { additionalProperties: true },
  ),
);

/** VCD's `Error` (XML, or the JSON form a JSON client gets); the schemas are named once in the document. */
export function errorResponse(description: string, name?: string) {
  const response = { description, content: { [ERROR_XML]: { schema: VcdXmlError }, [jsonType(ERROR_XML)]: { schema: VcdJsonError } } };
  // Named (the common answers): listed once in the document's components.responses.
  return name === undefined ? response : namedResponse(name, response);
}

/** The answers every authenticated /api operation can give besides its own. */
export const COMMON_ERRORS = {
  400: errorResponse('Malformed request (parameters, headers or body)', 'VcdBadRequest'),
  401: errorResponse('No credential, or a credential that is not (or no longer) valid', 'VcdUnauthorized'),
  403: errorResponse('Not allowed, or no such entity (VCD answers both alike)', 'VcdForbidden'),
  406: errorResponse('The Accept header asks for an API version Tessera does not serve', 'VcdNotAcceptable'),
  503: errorResponse('The node cannot check revocations right now and refuses (fail closed)', 'VcdUnavailable'),
} as const;

/** The answers of an operation that reads a document: the common ones, and 413 over the body limit (in bytes). */
export const BODY_ERRORS = {
  ...COMMON_ERRORS,
  413: errorResponse(`The body is larger than ${MAX_XML_BODY / 1024} KiB`, 'VcdBodyTooLarge'),
} as const;

/** An empty answer (204). */
export const NO_CONTENT = { 204: { description: 'Done; no body', type: 'null' } } as const;

/** Security requirements of an authenticated /api operation (the schemes are defined in src/http/openapi.ts). */
export function authenticated(): Array<Record<string, string[]>> {
  return [{ vcdBearer: [] }, { vcloudSession: [] }];
}

interface ReadOperation {
  summary: string;
  tag: string;
  /** The media type(s) of the document answered. */
  media: string | readonly string[];
  description: string;
}

/** The schema of an authenticated GET of one document, without path parameters. */
export function readSchema(op: ReadOperation) {
  return {
    summary: op.summary,
    tags: [op.tag],
    security: authenticated(),
    querystring: AnyQuerystring,
    headers: ApiHeaders,
    response: { 200: documentResponse(op.media, op.description), ...COMMON_ERRORS },
  };
}

/** The schema of an authenticated GET of one document named by path parameters. */
export function readByIdSchema<P extends TSchema>(params: P, op: ReadOperation) {
  return { ...readSchema(op), params };
}
