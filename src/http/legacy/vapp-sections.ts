/**
 * The sections of a vApp and of its VMs at their own hrefs under /api/vApp (vcd-clients §1.6), as govcd reads them
 * for Terraform's vcd_vapp, vcd_vapp_vm and vcd_vm:
 *
 * - vApp: `leaseSettingsSection` (GetLease), `networkConfigSection` (GetNetworkConfig), `productSections`;
 * - VM: `productSections`, `guestCustomizationSection`, `virtualHardwareSection` (GetExtraConfig),
 *   `networkConnectionSection` and `vmCapabilities` (the hrefs the Vm document lists);
 * - VM, as pyvcloud's VM reads them: the hardware items under `virtualHardwareSection/` (`cpu`, `memory`,
 *   `disks`, `media`, `networkCards`, `serialPorts`), `operatingSystemSection`, `bootOptions`, `runtimeInfoSection` and
 *   `guestcustomizationstatus` (vm-os-sections.ts says what each holds and why; `checkpostcustomizationscript`
 *   is not served).
 *
 * Read only: whoever may read the vApp or VM reads its sections; unknown, malformed and other orgs' refs, and a
 * section asked of the wrong kind of entity (a VM's section of a vApp, a vApp's of a VM), are the same 403 as
 * every inventory entity. A vApp template's VMs have the same VM sections under /api/vAppTemplate (their Vm
 * documents name them there); a template's own sections are not served. The documents: inventory/documents/vapp-sections.ts
 * and vm-sections.ts, rendered from the same trees as the inline sections, in XML or VCD JSON.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forbidden } from '../../domain/errors.js';
import { MEDIA, vappHref, vmHref } from '../../inventory/hrefs.js';
import { listVmExtraConfig, listVmsOfVApp, type VmWithNames } from '../../inventory/repository.js';
import { loadVAppSections } from '../../inventory/vapp-context.js';
import {
  leaseSettingsSection,
  networkConfigSection,
  productSectionList,
  templateLeaseSettingsSection,
} from '../../inventory/documents/vapp-sections.js';
import { DEFAULT_ORG_SETTINGS, parseOrgSettings } from '../../domain/org-settings.js';
import { guestCustomizationSection, networkConnectionSection, vmCapabilities } from '../../inventory/documents/vm-sections.js';
import {
  MEDIA_RASD_ITEM,
  MEDIA_RASD_ITEMS_LIST,
  hardwareItems,
  rasdItemDocument,
  rasdItemsListDocument,
  virtualHardwareSection,
} from '../../inventory/documents/virtual-hardware.js';
import {
  MEDIA_BOOT_OPTIONS,
  MEDIA_GUEST_CUSTOMIZATION_STATUS,
  MEDIA_OPERATING_SYSTEM_SECTION,
  MEDIA_RUNTIME_INFO_SECTION,
  bootOptions,
  guestCustomizationStatus,
  operatingSystemSection,
  runtimeInfoSection,
} from '../../inventory/documents/vm-os-sections.js';
import { VM_NAMESPACES } from '../../inventory/documents/vapp.js';
import { node, type DocElement } from '../../inventory/document-tree.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { RefParams, TAG, readByIdSchema } from './contract.js';
import { sendDocument } from './send-document.js';
import { loadByRef } from './vapp-refs.js';

const operation = (summary: string, media: string, description: string) =>
  readByIdSchema(RefParams, { summary, tag: TAG.inventory, media, description });

/** What each RasdItemsList under a VM's virtualHardwareSection holds. */
const HARDWARE_LISTS = {
  disks: 'hard disks and their controllers',
  media: 'CD/DVD and floppy drives (none in Tessera)',
  networkCards: 'network adapters',
  serialPorts: 'serial ports (none in Tessera)',
} as const;

export const legacyVAppSectionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.tessera.store;
  const load = (request: FastifyRequest, ref: string) => loadByRef(store(), requirePrincipal(request), ref, false);
  const loadVApp = async (request: FastifyRequest, ref: string) => {
    const found = await load(request, ref);
    if (found.kind !== 'vapp') throw forbidden();
    return found.vapp;
  };
  const loadVm = async (request: FastifyRequest, ref: string, underTemplates: boolean) => {
    const found = await loadByRef(store(), requirePrincipal(request), ref, underTemplates);
    if (found.kind !== 'vm') throw forbidden();
    return found.vm;
  };

  app.get(
    '/api/vApp/:ref/productSections',
    { schema: operation("A vApp's or VM's OVF product sections (none in Tessera)", MEDIA.productSections, 'ProductSectionList') },
    async (request, reply) => {
      const found = await load(request, request.params.ref);
      const base = baseUrl(request);
      const [href, type] =
        found.kind === 'vm' ? [vmHref(base, found.vm.id, false), MEDIA.vm] : [vappHref(base, found.vapp.id, false), MEDIA.vApp];
      return sendDocument(request, reply, MEDIA.productSections, productSectionList(href, type));
    },
  );

  app.get(
    '/api/vApp/:ref/leaseSettingsSection',
    { schema: operation("A vApp's lease (its org's vApp lease settings)", MEDIA.leaseSettingsSection, 'LeaseSettingsSection') },
    async (request, reply) => {
      const vapp = await loadVApp(request, request.params.ref);
      const { lease } = await loadVAppSections(store(), vapp, []);
      const tree = leaseSettingsSection(vappHref(baseUrl(request), vapp.id, false), lease, true);
      return sendDocument(request, reply, MEDIA.leaseSettingsSection, tree);
    },
  );

  app.get(
    '/api/vAppTemplate/:ref/leaseSettingsSection',
    {
      schema: operation(
        "A vApp template's lease (its org's vApp template lease settings)",
        MEDIA.leaseSettingsSection,
        'LeaseSettingsSection',
      ),
    },
    async (request, reply) => {
      const found = await loadByRef(store(), requirePrincipal(request), request.params.ref, true);
      if (found.kind !== 'vapp') throw forbidden();
      const org = await store().getOrg(found.vapp.org_id);
      const lease = org ? parseOrgSettings(org.settings).vappTemplateLease : DEFAULT_ORG_SETTINGS.vappTemplateLease;
      const tree = templateLeaseSettingsSection(vappHref(baseUrl(request), found.vapp.id, true), lease);
      return sendDocument(request, reply, MEDIA.leaseSettingsSection, tree);
    },
  );

  app.get(
    '/api/vApp/:ref/networkConfigSection',
    { schema: operation("A vApp's networks (from its VMs' NICs)", MEDIA.networkConfigSection, 'NetworkConfigSection') },
    async (request, reply) => {
      const vapp = await loadVApp(request, request.params.ref);
      const { networks } = await loadVAppSections(store(), vapp, await listVmsOfVApp(store(), vapp.id));
      const tree = networkConfigSection(
        baseUrl(request),
        vappHref(baseUrl(request), vapp.id, false),
        networks,
        vapp.is_deployed === 1,
        true,
      );
      return sendDocument(request, reply, MEDIA.networkConfigSection, tree);
    },
  );

  // A VM's documents that are one element of its Vm document (or, for bootOptions and guestcustomizationstatus,
  // hang off its href only), each at its own href: read like the VM.
  type VmSection = readonly [
    path: string,
    summary: string,
    media: string,
    root: string,
    tree: (href: string, vm: VmWithNames) => DocElement,
  ];
  const vmSections: readonly VmSection[] = [
    [
      'networkConnectionSection',
      "A VM's NICs",
      MEDIA.networkConnectionSection,
      'NetworkConnectionSection',
      (href, vm) => networkConnectionSection(href, vm, true),
    ],
    [
      'guestCustomizationSection',
      "A VM's guest customization",
      MEDIA.guestCustomizationSection,
      'GuestCustomizationSection',
      (href, vm) => guestCustomizationSection(href, vm, true),
    ],
    [
      'vmCapabilities',
      "A VM's capabilities (hot add)",
      MEDIA.vmCapabilitiesSection,
      'VmCapabilities',
      (href) => vmCapabilities(href, true),
    ],
    [
      'operatingSystemSection',
      "A VM's guest operating system",
      MEDIA_OPERATING_SYSTEM_SECTION,
      'ovf:OperatingSystemSection',
      (href, vm) => operatingSystemSection(href, vm, true),
    ],
    ['bootOptions', "A VM's boot options (VCD's defaults)", MEDIA_BOOT_OPTIONS, 'BootOptions', (href) => bootOptions(href)],
    [
      'runtimeInfoSection',
      "A VM's runtime information (the VMware Tools version)",
      MEDIA_RUNTIME_INFO_SECTION,
      'RuntimeInfoSection',
      (href) => runtimeInfoSection(href, true),
    ],
    [
      'guestcustomizationstatus',
      "A VM's guest customization status",
      MEDIA_GUEST_CUSTOMIZATION_STATUS,
      'GuestCustomizationStatusSection',
      (href) => guestCustomizationStatus(href),
    ],
    // The hardware items at their own hrefs: the same elements the virtualHardwareSection lists (hardwareItems).
    [
      'virtualHardwareSection/cpu',
      "A VM's virtual CPUs (RASD item)",
      MEDIA_RASD_ITEM,
      'Item',
      (href, vm) => rasdItemDocument(hardwareItems(href, vm).cpu),
    ],
    [
      'virtualHardwareSection/memory',
      "A VM's memory (RASD item)",
      MEDIA_RASD_ITEM,
      'Item',
      (href, vm) => rasdItemDocument(hardwareItems(href, vm).memory),
    ],
    ...(['disks', 'media', 'networkCards', 'serialPorts'] as const).map(
      (list) =>
        [
          `virtualHardwareSection/${list}`,
          `A VM's ${HARDWARE_LISTS[list]} (RASD items)`,
          MEDIA_RASD_ITEMS_LIST,
          'RasdItemsList',
          (href: string, vm: VmWithNames) => rasdItemsListDocument(`${href}/virtualHardwareSection/${list}`, hardwareItems(href, vm)[list]),
        ] satisfies VmSection,
    ),
  ];
  // A template's VMs have the same sections, under /api/vAppTemplate, where their Vm documents point.
  for (const [prefix, underTemplates] of [
    ['/api/vApp', false],
    ['/api/vAppTemplate', true],
  ] as const) {
    const whose = underTemplates ? " (a vApp template's VM)" : '';
    for (const [path, summary, media, root, tree] of vmSections) {
      app.get(`${prefix}/:ref/${path}`, { schema: operation(summary + whose, media, root) }, async (request, reply) => {
        const vm = await loadVm(request, request.params.ref, underTemplates);
        return sendDocument(request, reply, media, tree(vmHref(baseUrl(request), vm.id, underTemplates), vm));
      });
    }

    app.get(
      `${prefix}/:ref/virtualHardwareSection`,
      {
        schema: operation(`A VM's virtual hardware and ExtraConfig${whose}`, MEDIA.virtualHardwareSection, 'ovf:VirtualHardwareSection'),
      },
      async (request, reply) => {
        const vm = await loadVm(request, request.params.ref, underTemplates);
        const href = vmHref(baseUrl(request), vm.id, underTemplates);
        const section = virtualHardwareSection(href, vm, await listVmExtraConfig(store(), vm.id));
        return sendDocument(
          request,
          reply,
          MEDIA.virtualHardwareSection,
          node(section.name, { ...VM_NAMESPACES, ...section.attrs }, section.children),
        );
      },
    );
  }
};
