/**
 * The Vdc document (`GET /api/vdc/{id}`), decoded by govcd into `types.Vdc` after GetVDCByName
 * (vcd-clients §1.6): `status` is VCD's VDC status integer (1 = READY), capacities are integers.
 */
import type { Org } from '../../store/store.js';
import { el, textEl, xmlDocument } from '../xml-render.js';
import { MEDIA, orgHref, urn, vappHref, vdcHref } from '../hrefs.js';
import type { VApp, Vdc } from '../repository.js';

const VDC_READY = 1;

function capacity(units: string, allocated: number, limit: number, used: number): string[] {
  return [textEl('Units', units), textEl('Allocated', allocated), textEl('Limit', limit), textEl('Reserved', 0), textEl('Used', used)];
}

export function vdcDocument(base: string, vdc: Vdc, org: Org, vapps: readonly VApp[]): string {
  const href = vdcHref(base, vdc.id);
  return xmlDocument('Vdc', { href, id: urn('vdc', vdc.id), name: vdc.name, status: VDC_READY, type: MEDIA.vdc }, [
    el('Link', { rel: 'up', href: orgHref(base, org.id), name: org.name, type: MEDIA.org }),
    el('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    textEl('Description', vdc.description),
    textEl('AllocationModel', vdc.allocation_model),
    el('StorageCapacity', {}, capacity('MB', vdc.storage_limit_mb, vdc.storage_limit_mb, 0)),
    el('ComputeCapacity', {}, [
      el('Cpu', {}, capacity('MHz', Number(vdc.cpu_allocated_mhz), Number(vdc.cpu_limit_mhz), 0)),
      el('Memory', {}, capacity('MB', Number(vdc.memory_allocated_mb), Number(vdc.memory_limit_mb), 0)),
    ]),
    el(
      'ResourceEntities',
      {},
      vapps.map((a) =>
        el('ResourceEntity', {
          href: vappHref(base, a.id, a.is_template),
          name: a.name,
          type: a.is_template ? MEDIA.vAppTemplate : MEDIA.vApp,
        }),
      ),
    ),
    el('AvailableNetworks'),
    el('Capabilities', {}, el('SupportedHardwareVersions', {}, [textEl('SupportedHardwareVersion', 'vmx-19')])),
    textEl('NicQuota', 0),
    textEl('NetworkQuota', 0),
    textEl('UsedNetworkCount', 0),
    textEl('VmQuota', vdc.vm_quota),
    textEl('IsEnabled', vdc.is_enabled === 1),
    textEl('VCpuInMhz2', 1000),
  ]);
}
