/**
 * `GET /cloudapi/1.0.0/securityTags/vm/{id}`: a VM's security tags (VCD 10.3's EntitySecurityTags), which govcd's
 * GetVMSecurityTags reads on every Terraform read of vcd_vapp_vm and vcd_vm, failing the read on any error.
 * Security tags are an NSX-T grouping feature Tessera does not model: a VM has none, so the answer is VCD's empty
 * `{"tags": []}`. Whoever may read the VM reads its tags; unknown, malformed and other orgs' VM ids are VCD's 403.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { forbidden } from '../../domain/errors.js';
import { readableOr403 } from '../../inventory/access.js';
import { idFromPathSegment } from '../../inventory/hrefs.js';
import { getVm } from '../../inventory/repository.js';
import { contractValidatorCompiler } from '../contract/validator.js';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { EntitySecurityTagsEntity } from './responses.js';
import { byIdRoute } from './schemas.js';

export const cloudapiSecurityTagRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);

  app.get('/cloudapi/1.0.0/securityTags/vm/:id', byIdRoute(EntitySecurityTagsEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const id = idFromPathSegment(request.params.id, 'vm');
    if (!id) throw forbidden();
    const vm = readableOr403(principal, 'vm', await getVm(app.tessera.store, id));
    if (vm.is_template === 1) throw forbidden();
    return sendCloudapiJson(request, reply, 200, { tags: [] });
  });
};
