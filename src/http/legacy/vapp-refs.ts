/**
 * `{ref}` path segments under /api/vApp and /api/vAppTemplate (`vapp-<uuid>`, `vappTemplate-<uuid>`, `vm-<uuid>`)
 * and the entity they name, if the caller may read it. The path must match the entity: a template is only found
 * under /api/vAppTemplate, a vApp only under /api/vApp (the hrefs Tessera hands out are canonical). Unknown,
 * malformed and other orgs' refs are all the same 403 (inventory/access.ts).
 */
import type { Principal } from '../../domain/principal.js';
import type { Store } from '../../store/store.js';
import { forbidden } from '../../domain/errors.js';
import { readableOr403 } from '../../inventory/access.js';
import { idFromPathSegment } from '../../inventory/hrefs.js';
import { getVApp, getVm, type VAppWithNames, type VmWithNames } from '../../inventory/repository.js';

export function parseRef(ref: string): { kind: 'vapp' | 'vappTemplate' | 'vm'; id: string } {
  const match = /^(vapp|vappTemplate|vm)-(.+)$/.exec(ref);
  const id = match ? idFromPathSegment(match[2]!) : null;
  if (!match || !id) throw forbidden();
  return { kind: match[1] as 'vapp' | 'vappTemplate' | 'vm', id };
}

export type FoundByRef = { kind: 'vm'; vm: VmWithNames } | { kind: 'vapp'; vapp: VAppWithNames };

export async function loadByRef(store: Store, principal: Principal, ref: string, underTemplates: boolean): Promise<FoundByRef> {
  const parsed = parseRef(ref);
  if (parsed.kind === 'vm') {
    const vm = readableOr403(principal, 'vm', await getVm(store, parsed.id));
    if ((vm.is_template === 1) !== underTemplates) throw forbidden();
    return { kind: 'vm', vm };
  }
  if ((parsed.kind === 'vappTemplate') !== underTemplates) throw forbidden();
  const vapp = readableOr403(principal, 'vapp', await getVApp(store, parsed.id));
  if ((vapp.is_template === 1) !== underTemplates) throw forbidden();
  return { kind: 'vapp', vapp };
}
