/** The entity document model: XML exactly as xml-render writes it, and VCD JSON from the same source values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonKey, node, renderJson, renderXml, renderXmlDocument, text } from '../../src/inventory/document-tree.js';
import { el, textEl, XML_DECLARATION } from '../../src/inventory/xml-render.js';

const tree = node(
  'Vdc',
  { xmlns: 'http://www.vmware.com/vcloud/v1.5', href: 'https://h/api/vdc/1', status: 1, type: 'application/vnd.vmware.vcloud.vdc+xml' },
  [
    node('Link', { rel: 'up', href: 'https://h/api/org/1', type: 'application/vnd.vmware.vcloud.org+xml' }),
    text('Description', null),
    text('AllocationModel', 'AllocationPool'),
    node('StorageCapacity', {}, [text('Units', 'MB'), text('Limit', 2048)]),
    node('ResourceEntities', {}, []),
    null,
    text('IsEnabled', true),
    text('Domain', 'GENERAL', { visibility: 'READWRITE' }),
    node('ovf:Section', { 'ovf:required': false }, text('ovf:Info', 'a & b')),
  ],
);

test('XML is what el/textEl write: null children and null text leave nothing', () => {
  const expected =
    XML_DECLARATION +
    el(
      'Vdc',
      { xmlns: 'http://www.vmware.com/vcloud/v1.5', href: 'https://h/api/vdc/1', status: 1, type: 'application/vnd.vmware.vcloud.vdc+xml' },
      [
        el('Link', { rel: 'up', href: 'https://h/api/org/1', type: 'application/vnd.vmware.vcloud.org+xml' }),
        textEl('AllocationModel', 'AllocationPool'),
        el('StorageCapacity', {}, [textEl('Units', 'MB'), textEl('Limit', 2048)]),
        el('ResourceEntities'),
        textEl('IsEnabled', true),
        textEl('Domain', 'GENERAL', { visibility: 'READWRITE' }),
        el('ovf:Section', { 'ovf:required': false }, textEl('ovf:Info', 'a & b')),
      ],
    );
  assert.equal(renderXmlDocument(tree), expected);
  assert.equal(renderXml(text('Description', '')), '<Description></Description>');
});

test('JSON: camelCase keys, typed values, link array, lists, nulls, +json types, no namespace declarations', () => {
  assert.deepEqual(renderJson(tree), {
    otherAttributes: {},
    link: [{ otherAttributes: {}, rel: 'up', href: 'https://h/api/org/1', type: 'application/vnd.vmware.vcloud.org+json', name: null }],
    href: 'https://h/api/vdc/1',
    status: 1,
    type: 'application/vnd.vmware.vcloud.vdc+json',
    description: null,
    allocationModel: 'AllocationPool',
    storageCapacity: { otherAttributes: {}, units: 'MB', limit: 2048 },
    resourceEntities: { otherAttributes: {}, resourceEntity: [] },
    isEnabled: true,
    domain: { otherAttributes: {}, visibility: 'READWRITE', value: 'GENERAL' },
    section: { otherAttributes: {}, required: false, info: 'a & b' },
  });
  assert.deepEqual(renderJson(node('OrgList', {}, [])), { otherAttributes: {}, link: [], org: [] });
  // Repeated children that are not declared lists are still arrays.
  assert.deepEqual(renderJson(node('X', {}, [text('A', 1), text('A', 2)])).a, [1, 2]);
});

test('jsonKey: lowerCamel, acronyms, prefixes', () => {
  assert.deepEqual(
    ['IsEnabled', 'MACAddress', 'VCpuInMhz2', 'DeployedVMQuota', 'VAppScopedLocalId', 'ovf:Info', 'href', 'Vm', 'ID'].map(jsonKey),
    ['isEnabled', 'macAddress', 'vCpuInMhz2', 'deployedVMQuota', 'vAppScopedLocalId', 'info', 'href', 'vm', 'id'],
  );
});
