/**
 * VApp (or VAppTemplate) and Vm documents. Entity documents carry the status as VCD's integer (govcd decodes
 * `status` into an int), unlike query records, which carry its name. The OVF sections use the `ovf` prefix,
 * declared on the root.
 */
import { el, textEl, xmlDocument, OVF_NS, VCLOUD_NS, XML_DECLARATION } from '../xml-render.js';
import { MEDIA, urn, userHref, vappHref, vappUrn, vdcHref, vmHref } from '../hrefs.js';
import { statusCode } from '../status.js';
import type { VAppWithNames, VmWithNames } from '../repository.js';

const NAMESPACES = { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS };

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** A stable VMware-range MAC address derived from the VM id (no MACs are stored). */
function macAddress(vmId: string): string {
  const hex = vmId.replace(/-/g, '');
  return `00:50:56:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

export function vappDocument(base: string, vapp: VAppWithNames, vms: readonly VmWithNames[]): string {
  const template = vapp.is_template === 1;
  const href = vappHref(base, vapp.id, template);
  const attributes = {
    href,
    id: vappUrn(vapp.id, template),
    name: vapp.name,
    type: template ? MEDIA.vAppTemplate : MEDIA.vApp,
    status: statusCode(vapp.status),
    ...(template ? { ovfDescriptorUploaded: true, goldMaster: false } : { deployed: vapp.is_deployed === 1, ovfDescriptorUploaded: true }),
  };
  return xmlDocument(
    template ? 'VAppTemplate' : 'VApp',
    attributes,
    [
      el('Link', { rel: 'up', href: vdcHref(base, vapp.vdc_id), name: vapp.vdc_name, type: MEDIA.vdc }),
      el('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
      textEl('Description', vapp.description),
      el(
        'Owner',
        { type: 'application/vnd.vmware.vcloud.owner+xml' },
        vapp.owner_id ? el('User', { href: userHref(base, vapp.owner_id), name: vapp.owner_name, type: MEDIA.user }) : '',
      ),
      template ? '' : textEl('InMaintenanceMode', false),
      el(
        'Children',
        {},
        vms.map((vm) => vmElement(base, vm)),
      ),
      textEl('DateCreated', iso(vapp.created_at)),
    ],
    NAMESPACES,
  );
}

export function vmDocument(base: string, vm: VmWithNames): string {
  return XML_DECLARATION + vmElement(base, vm, NAMESPACES);
}

/** A `Vm` element: inside a vApp's `Children`, or (with namespaces) as a document root. */
function vmElement(base: string, vm: VmWithNames, namespaces: Record<string, string> = {}): string {
  const template = vm.is_template === 1;
  const href = vmHref(base, vm.id, template);
  const connected = vm.network_name !== null;
  return el(
    'Vm',
    {
      ...namespaces,
      href,
      id: urn('vm', vm.id),
      name: vm.name,
      type: MEDIA.vm,
      status: statusCode(vm.status),
      deployed: vm.is_deployed === 1,
      needsCustomization: false,
      nestedHypervisorEnabled: false,
    },
    [
      el('Link', {
        rel: 'up',
        href: vappHref(base, vm.vapp_id, template),
        name: vm.vapp_name,
        type: template ? MEDIA.vAppTemplate : MEDIA.vApp,
      }),
      el('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
      textEl('Description', vm.description),
      el('ovf:OperatingSystemSection', { 'ovf:id': 0 }, [
        textEl('ovf:Info', 'Specifies the operating system installed'),
        textEl('ovf:Description', vm.guest_os),
      ]),
      el(
        'NetworkConnectionSection',
        {
          href: `${href}/networkConnectionSection/`,
          type: 'application/vnd.vmware.vcloud.networkConnectionSection+xml',
          'ovf:required': false,
        },
        [
          textEl('ovf:Info', 'Specifies the available VM network connections'),
          connected ? textEl('PrimaryNetworkConnectionIndex', 0) : '',
          connected
            ? el('NetworkConnection', { network: vm.network_name, needsCustomization: false }, [
                textEl('NetworkConnectionIndex', 0),
                textEl('IpAddress', vm.ip_address),
                textEl('IsConnected', vm.is_deployed === 1),
                textEl('MACAddress', macAddress(vm.id)),
                textEl('IpAddressAllocationMode', 'POOL'),
              ])
            : '',
        ],
      ),
      textEl('DateCreated', iso(vm.created_at)),
      textEl('VAppScopedLocalId', vm.name),
      el('VmSpecSection', { Modified: false }, [
        textEl('ovf:Info', 'The VM specification'),
        textEl('NumCpus', vm.cpus),
        textEl('NumCoresPerSocket', 1),
        el('MemoryResourceMb', {}, textEl('Configured', vm.memory_mb)),
        textEl('HardwareVersion', `vmx-${vm.hardware_version}`),
      ]),
      el('StorageProfile', { name: vm.storage_profile, type: 'application/vnd.vmware.vcloud.vdcStorageProfile+xml' }),
    ],
  );
}
