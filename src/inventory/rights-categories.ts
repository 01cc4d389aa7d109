/**
 * The rights catalogue's categories (domain/rights.ts gives each right one), as VCD's RightsCategory
 * (`/cloudapi/1.0.0/rightsCategories`, govcd's GetAllRightsCategories and GetRightsCategoryById). Derived from the
 * catalogue, which is code, so computed once. Tessera's categories are one level: VCD groups its own under top-level
 * categories that hold no rights; here none has a parent or subcategories, and each counts the catalogue rights in
 * it by VCD's right type. Ids are name-based (RFC 9562 v5 of the name), so every node and restart agrees.
 */
import { RIGHT_CATALOGUE, rightType } from '../domain/rights.js';
import { nameBasedUuid } from './uuid.js';

export interface RightsCategory {
  /** The bare UUID (`urn:vcloud:rightsCategory:<id>` at the edge). */
  readonly id: string;
  readonly name: string;
  /** VCD's key for the category's localized name (`RIGHTS_CATEGORY_ACCESS_CONTROL`). */
  readonly bundleKey: string;
  readonly rightsCount: { readonly view: number; readonly modify: number };
}

export const rightsCategoryId = (name: string): string => nameBasedUuid('tessera-rights-category', name);

/** Every category of the catalogue, in order of first appearance. */
export const RIGHTS_CATEGORIES: readonly RightsCategory[] = [...new Set(RIGHT_CATALOGUE.map((r) => r.category))].map((name) => {
  const rights = RIGHT_CATALOGUE.filter((r) => r.category === name);
  const view = rights.filter((r) => rightType(r.name) === 'VIEW').length;
  return {
    id: rightsCategoryId(name),
    name,
    bundleKey: `RIGHTS_CATEGORY_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
    rightsCount: { view, modify: rights.length - view },
  };
});
