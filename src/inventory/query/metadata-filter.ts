/**
 * Metadata in a query's filter, as VCD's query service takes it: `metadata:<key>==<TYPE>:<value>` for the GENERAL
 * domain, `metadata@SYSTEM:<key>==...` for the SYSTEM one, TYPE one of STRING, NUMBER, BOOLEAN, DATETIME or NONE.
 * go-vcloud-director sends it when asked to filter on the server (`UseMetadataApiFilter`, Terraform's
 * `use_api_search = true`); until 2026-12-05 it was a 400 "unknown field" on every type.
 *
 * Each such comparison becomes a field of its own: the entry's value read by a subquery on the metadata table's
 * primary key (entity kind, entity id, domain, key), restricted to entries of the named type (STRING compares text,
 * NUMBER numerically, BOOLEAN as true/false; DATETIME compares the stored ISO 8601 text; NONE any entry, as text)
 * and, for a tenant, to entries that are not PRIVATE, as reading metadata is. An entity without the entry compares
 * as absent: `==` does not match it, `!=` does (FIQL's "anything but", as for every nullable field). A value
 * without a type prefix is taken as STRING. Types whose entities carry no metadata here (catalogs, networks,
 * tasks) compare every entity as absent. Each comparison is a subquery per row, so it counts among the filter's
 * computed comparisons (execute.ts boundFilterCost).
 */
import { sql, type RawBuilder } from 'kysely';
import { badRequest } from '../../domain/errors.js';
import { fiqlSelectors, type FiqlComparison, type FiqlNode } from '../../domain/fiql.js';
import type { Dialect } from '../../store/dialect.js';
import type { InventoryScope } from '../scope.js';
import { none, type QueryField, type QueryTypeDefinition } from './catalogue.js';
import { METADATA_FIELD, metadataKindOf } from './records.js';

type MetadataType = 'STRING' | 'NUMBER' | 'BOOLEAN' | 'DATETIME' | 'NONE';

const TYPED_VALUE = /^(STRING|NUMBER|BOOLEAN|DATETIME|NONE):/;

/** The stored `value_type` each filter type matches (NONE: any). */
const VALUE_TYPE: Record<Exclude<MetadataType, 'NONE'>, string> = {
  STRING: 'MetadataStringValue',
  NUMBER: 'MetadataNumberValue',
  BOOLEAN: 'MetadataBooleanValue',
  DATETIME: 'MetadataDateTimeValue',
};

/**
 * Names the rewritten comparisons go by: the selector and a number, apart by `#`, which no selector the parser
 * reads can hold (messages drop the number: `displayedSelector`).
 */
const syntheticName = (selector: string, n: number) => `${selector}#${n}`;

/** A selector as the client wrote it, for messages. */
export const displayedSelector = (name: string) => name.replace(/#\d+$/, '');

export interface MetadataFilterPlan {
  /** The filter with each metadata comparison renamed to its field. */
  readonly ast: FiqlNode;
  /** The fields those names stand for (empty when the filter names no metadata). */
  readonly fields: Readonly<Record<string, QueryField>>;
}

/** Rewrites the metadata comparisons of `ast` for `type`, as seen from `scope`. */
export function planMetadataFilters(ast: FiqlNode, type: QueryTypeDefinition, scope: InventoryScope, dialect: Dialect): MetadataFilterPlan {
  const fields: Record<string, QueryField> = {};
  // Most filters name no metadata: nothing to copy then.
  if (!fiqlSelectors(ast).some((selector) => METADATA_FIELD.test(selector))) return { ast, fields };
  let count = 0;
  const rewrite = (node: FiqlNode): FiqlNode => {
    if (node.kind !== 'comparison') return { ...node, children: node.children.map(rewrite) };
    const selector = METADATA_FIELD.exec(node.selector);
    // A real field of that name (none has a colon today) stays what it is.
    if (!selector || Object.hasOwn(type.table.fields, node.selector)) return node;
    const domain = (selector[1] ?? 'GENERAL') as 'GENERAL' | 'SYSTEM';
    const { valueType, comparison } = withoutTypePrefix(node);
    checkValue(node.selector, comparison, valueType);
    const name = syntheticName(node.selector, count++);
    fields[name] = metadataField(type, scope, dialect, domain, selector[2]!, valueType);
    return { ...comparison, selector: name };
  };
  const rewritten = rewrite(ast);
  return { ast: count === 0 ? ast : rewritten, fields };
}

/** The comparison's value without its `TYPE:` prefix (in every wildcard piece's first), and that type. */
function withoutTypePrefix(node: FiqlComparison): { valueType: MetadataType; comparison: FiqlComparison } {
  const typed = TYPED_VALUE.exec(node.value);
  if (!typed) return { valueType: 'STRING', comparison: node };
  const prefix = typed[0];
  const wildcard = node.wildcard ? [node.wildcard[0]!.slice(prefix.length), ...node.wildcard.slice(1)] : null;
  return { valueType: typed[1] as MetadataType, comparison: { ...node, value: node.value.slice(prefix.length), wildcard } };
}

/** A NUMBER or BOOLEAN value that is not one: the 400 names the selector as written. */
function checkValue(selector: string, comparison: FiqlComparison, valueType: MetadataType): void {
  const value = comparison.value;
  const bad =
    (valueType === 'NUMBER' &&
      (comparison.wildcard !== null || value.trim() === '' || !Number.isFinite(Number(value))) &&
      'not a number') ||
    (valueType === 'BOOLEAN' && (comparison.wildcard !== null || !/^(true|false)$/i.test(value)) && 'expected true or false');
  if (bad) throw badRequest(`Cannot parse the supplied filter: ${selector}${comparison.operator}${valueType}:${value}: ${bad}`);
}

function metadataField(
  type: QueryTypeDefinition,
  scope: InventoryScope,
  dialect: Dialect,
  domain: 'GENERAL' | 'SYSTEM',
  key: string,
  valueType: MetadataType,
): QueryField {
  const kind = metadataKindOf(type);
  const fieldType = valueType === 'NUMBER' ? 'number' : valueType === 'BOOLEAN' ? 'boolean' : 'string';
  if (kind === null) return none(fieldType);
  const value = valueExpression(valueType, dialect);
  const typed = valueType === 'NONE' ? sql`` : sql` and m.value_type = ${VALUE_TYPE[valueType]}`;
  const visible = scope.kind === 'all' ? sql`` : sql` and m.visibility <> 'PRIVATE'`;
  const column: RawBuilder<unknown> = sql`(select ${value} from metadata m where m.entity_kind = ${kind} and m.entity_id = ${sql.ref(
    type.table.idColumn,
  )} and m.domain = ${domain} and m.key = ${key}${typed}${visible})`;
  return { column, type: fieldType, nullable: true };
}

/**
 * The entry's value as the comparison reads it. A number entry is cast only when its text is a number: on
 * PostgreSQL a cast of anything else fails the whole statement (an entry written as a number is checked, but a
 * query must not become a 500 on one that was not).
 */
function valueExpression(valueType: MetadataType, dialect: Dialect): RawBuilder<unknown> {
  if (valueType === 'BOOLEAN') return sql`case when lower(m.value) = 'true' then 1 when lower(m.value) = 'false' then 0 end`;
  if (valueType !== 'NUMBER') return sql`m.value`;
  return dialect === 'postgres'
    ? sql`case when m.value ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$' then cast(m.value as numeric) end`
    : sql`cast(m.value as numeric)`;
}
