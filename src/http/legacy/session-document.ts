/** The legacy Session document of `/api/sessions` and `/api/session`: XML, or VCD JSON of the same document. */
import type { Principal } from '../../domain/principal.js';
import { can } from '../../domain/policy.js';
import type { Site } from '../context.js';
import { jsonDocument, xmlDocument, type XmlNode } from '../xml.js';

/** Legacy Session XML; exactly one Link per rel+type, which pyvcloud requires. */
export function sessionXml(principal: Principal, site: Site, base: string): string {
  return xmlDocument('Session', legacySessionBody(principal, site, base));
}

/** Legacy Session as VCD JSON (`GET /api/session` with `Accept: application/*+json`): the same document. */
export function legacySessionJson(principal: Principal, site: Site, base: string): Record<string, unknown> {
  return jsonDocument('Session', legacySessionBody(principal, site, base));
}

function legacySessionBody(principal: Principal, site: Site, base: string): XmlNode {
  const link = (rel: string, href: string, type?: string, name?: string) => ({
    '@_rel': rel,
    '@_href': href,
    ...(type ? { '@_type': type } : {}),
    ...(name ? { '@_name': name } : {}),
  });
  const links = [
    link('down', `${base}/api/org/`, 'application/vnd.vmware.vcloud.orgList+xml'),
    link('remove', `${base}/api/session`),
    // Whoever may read the admin VCloud document (`GET /api/admin`): VCD links it for org administrators as for the
    // provider (vcd-wire §3.3), and pyvcloud's Client.get_admin() needs the link.
    ...(can(principal, 'adminView.read') ? [link('down', `${base}/api/admin/`, 'application/vnd.vmware.admin.vcloud+xml')] : []),
    link('down', `${base}/api/org/${principal.orgId}`, 'application/vnd.vmware.vcloud.org+xml', principal.orgName),
    link('down', `${base}/api/query`, 'application/vnd.vmware.vcloud.query.queryList+xml'),
    link('entityResolver', `${base}/api/entity/`, 'application/vnd.vmware.vcloud.entity+xml'),
    link('openapi', `${base}/cloudapi`, 'application/json'),
  ];
  const locationId = `${principal.orgId}@${site.id}`;
  return {
    '@_locationId': locationId,
    '@_org': principal.orgName,
    '@_roles': principal.roleName,
    '@_user': principal.userName,
    '@_userId': `urn:vcloud:user:${principal.userId}`,
    '@_href': `${base}/api/session`,
    '@_type': 'application/vnd.vmware.vcloud.session+xml',
    Link: links,
    AuthorizedLocations: {
      Location: {
        LocationId: locationId,
        SiteName: site.name,
        OrgName: principal.orgName,
        RestApiEndpoint: base,
        UIEndpoint: base,
        AuthContext: principal.orgName,
      },
    },
  };
}
