import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQueryXmlPage } from '../../src/client/query-xml.js';

const PAGE = `<?xml version="1.0" encoding="UTF-8"?>
<QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" total="3" pageSize="2" page="1" name="vm"
  type="application/vnd.vmware.vcloud.query.records+xml" href="https://h/api/query?type=vm&amp;page=1">
  <Link rel="nextPage" href="https://h/api/query?type=vm&amp;page=2"/>
  <VMRecord name="web01" status="POWERED_ON" description="a > b" href="https://h/api/vApp/vm-1"/>
  <VMRecord name="db01" status="POWERED_OFF" href="https://h/api/vApp/vm-2"><Link rel="up" href="x"/><Metadata/></VMRecord>
</QueryResultRecords>`;

test('cuts a page into its paging attributes and verbatim record elements', () => {
  const page = parseQueryXmlPage(PAGE, 'VMRecord');
  assert.ok(page);
  assert.equal(page.total, 3);
  assert.equal(page.page, 1);
  assert.equal(page.pageSize, 2);
  assert.deepEqual(page.items, [
    '<VMRecord name="web01" status="POWERED_ON" description="a > b" href="https://h/api/vApp/vm-1"/>',
    '<VMRecord name="db01" status="POWERED_OFF" href="https://h/api/vApp/vm-2"><Link rel="up" href="x"/><Metadata/></VMRecord>',
  ]);
});

test('AdminVMRecord pages are read with their element name; VMRecord does not match them', () => {
  const xml = '<QueryResultRecords total="1" page="1" pageSize="25"><AdminVMRecord name="x" org="o"/></QueryResultRecords>';
  assert.equal(parseQueryXmlPage(xml, 'AdminVMRecord')?.items.length, 1);
  assert.equal(parseQueryXmlPage(xml, 'VMRecord')?.items.length, 0);
});

test('returns null for a body that is not a query result', () => {
  assert.equal(parseQueryXmlPage('<Error minorErrorCode="BAD_REQUEST"/>', 'VMRecord'), null);
});
