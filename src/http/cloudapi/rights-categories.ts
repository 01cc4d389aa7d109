/**
 * `GET /cloudapi/1.0.0/rightsCategories` and `/{id}`: the categories of the rights catalogue
 * (inventory/rights-categories.ts), as VCD's paged list of RightsCategory {name, id, bundleKey, parent, rightsCount
 * {view, modify}, subCategories}: govcd's Client/AdminOrg.GetAllRightsCategories and GetRightsCategoryById. Read by any
 * signed-in user, as the rights themselves (`/rights`, identity.ts); an id that names no category is VCD's 403.
 * Filter and sort by id, name and bundleKey.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { forbidden } from '../../domain/errors.js';
import { idFromPathSegment, urn } from '../../inventory/hrefs.js';
import { RIGHTS_CATEGORIES, type RightsCategory } from '../../inventory/rights-categories.js';
import { contractValidatorCompiler } from '../contract/validator.js';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { listPage, type ListFields } from './list-query.js';
import { RightsCategoryEntity, RightsCategoryPage } from './responses.js';
import { byIdRoute, listRoute } from './schemas.js';

const categoryUrn = (c: RightsCategory) => urn('rightsCategory', c.id);

const categoryJson = (c: RightsCategory) => ({
  name: c.name,
  id: categoryUrn(c),
  bundleKey: c.bundleKey,
  // One level: no category has a parent or subcategories (inventory/rights-categories.ts).
  parent: null,
  rightsCount: { view: c.rightsCount.view, modify: c.rightsCount.modify },
  subCategories: [],
});

const CATEGORY_FIELDS: ListFields<RightsCategory> = {
  id: { read: categoryUrn, type: 'ref' },
  name: { read: (c) => c.name },
  bundleKey: { read: (c) => c.bundleKey },
};

export const cloudapiRightsCategoryRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);

  app.get('/cloudapi/1.0.0/rightsCategories', listRoute(RightsCategoryPage), async (request, reply) => {
    requirePrincipal(request);
    const page = await listPage(request, reply, RIGHTS_CATEGORIES, CATEGORY_FIELDS, categoryJson, 'RightsCategories');
    return sendCloudapiJson(request, reply, 200, page);
  });

  app.get('/cloudapi/1.0.0/rightsCategories/:id', byIdRoute(RightsCategoryEntity), async (request, reply) => {
    requirePrincipal(request);
    const id = idFromPathSegment(request.params.id, 'rightsCategory');
    const category = RIGHTS_CATEGORIES.find((c) => c.id === id);
    if (!category) throw forbidden();
    return sendCloudapiJson(request, reply, 200, categoryJson(category));
  });
};
