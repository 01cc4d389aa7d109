/**
 * A rights bundle's two JSON columns (`rights_bundles.rights`, `.published_to`), read the one way every reader needs:
 * the grant rules (auth/identity-admin.ts) and the cloudapi's bundles, their rights and tenants. A damaged value
 * reads as none: it grants nothing and publishes the bundle nowhere, rather than failing the request.
 */
const stringList = (json: string): string[] => {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

/** The names of the rights a bundle holds. */
export function bundleRights(bundle: { rights: string }): string[] {
  return stringList(bundle.rights);
}

/** Where a bundle is published: `'all'` (every tenant org), or the ids of the orgs. */
export function bundlePublishedTo(bundle: { published_to: string }): 'all' | string[] {
  return bundle.published_to === JSON.stringify('all') ? 'all' : stringList(bundle.published_to);
}

/** Whether a bundle is published to the org. */
export function bundleReaches(bundle: { published_to: string }, orgId: string): boolean {
  const published = bundlePublishedTo(bundle);
  return published === 'all' || published.includes(orgId);
}
