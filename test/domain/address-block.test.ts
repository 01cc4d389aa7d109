/**
 * addressBlock (src/domain/address-block.ts): an IPv6 client is braked by its /64, an IPv4 one by its address,
 * and an IPv4 address seen through IPv6 is the IPv4 address (else every client of a dual-stack socket would share
 * one budget).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressBlock } from '../../src/domain/address-block.js';

test('IPv4 is its own block; IPv6 is its /64 however it is written', () => {
  assert.equal(addressBlock('203.0.113.7'), '203.0.113.7');
  for (const written of [
    '2001:db8:1:2::1',
    '2001:0db8:0001:0002:0000:0000:0000:0001',
    '2001:DB8:1:2:ffff:ffff:ffff:ffff',
    '2001:db8:1:2::5%eth0',
  ]) {
    assert.equal(addressBlock(written), '2001:db8:1:2::/64', written);
  }
  assert.notEqual(addressBlock('2001:db8:1:3::1'), addressBlock('2001:db8:1:2::1'), 'the next /64 is another client');
  assert.equal(addressBlock('::1'), '0:0:0:0::/64');
  assert.equal(addressBlock('fe80::1:2:3:4'), 'fe80:0:0:0::/64');
  assert.equal(addressBlock('1::'), '1:0:0:0::/64');
  assert.equal(addressBlock('2001:db8::1.2.3.4'), '2001:db8:0:0::/64');
});

test('IPv4 seen through IPv6 (mapped, NAT64) is the IPv4 address', () => {
  assert.equal(addressBlock('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(addressBlock('::ffff:7f00:1'), '127.0.0.1');
  assert.equal(addressBlock('64:ff9b::198.51.100.9'), '198.51.100.9');
  assert.notEqual(addressBlock('::ffff:10.0.0.1'), addressBlock('::ffff:10.0.0.2'));
});

test('what is no IP address is kept as it is', () => {
  for (const other of ['', 'unknown', 'localhost', '1.2.3', ':::', '1:2:3:4:5:6:7:8:9', '::12345', '::g', '0x1::1', '::1.2.3.400']) {
    assert.equal(addressBlock(other), other, other);
  }
});
