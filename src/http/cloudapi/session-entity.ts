/** The cloudapi Session representation (SPEC 37.2 `Session`); the legacy one is in legacy/session-document.ts. */
import type { Principal } from '../../domain/principal.js';
import type { Site } from '../context.js';
import type { SessionEntity } from '../../schemas/wire.js';

export function sessionJson(principal: Principal, site: Site, idleTimeoutMinutes: number): SessionEntity {
  return {
    id: `urn:vcloud:session:${principal.sessionId}`,
    site: { name: site.name, id: `urn:vcloud:site:${site.id}` },
    user: { name: principal.userName, id: `urn:vcloud:user:${principal.userId}` },
    org: { name: principal.orgName, id: `urn:vcloud:org:${principal.orgId}` },
    location: `${principal.orgId}@${site.id}`,
    roles: [principal.roleName],
    roleRefs: [{ name: principal.roleName, id: `urn:vcloud:role:${principal.roleId}` }],
    sessionIdleTimeoutMinutes: idleTimeoutMinutes,
  };
}
