/**
 * ControlAccessParams (`GET <vApp, VDC or catalog href>/controlAccess`: govcd's VApp/Catalog/Vdc.GetAccessControl,
 * pyvcloud's get_access_settings), read only. Tessera has no per-entity access lists: who reads a vApp, a catalog or
 * a VDC is decided by the reader's role in the entity's org ("vApp: View", "Organization VDC: View";
 * inventory/access.ts). In VCD's terms that is an entity shared with everyone in its org, read only: what this
 * document says. Nothing here can be changed (the `action/controlAccess` writes are not served).
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA } from '../hrefs.js';

export function controlAccessTree(entityHref: string): DocElement {
  return node('ControlAccessParams', { xmlns: VCLOUD_NS, href: `${entityHref}/controlAccess/`, type: MEDIA.controlAccess }, [
    text('IsSharedToEveryone', true),
    text('EveryoneAccessLevel', 'ReadOnly'),
  ]);
}
