// What the per-address limits count by: an IPv4 address, an IPv6 /64.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressKey } from '../../src/security/client-address.js';

describe('addressKey', () => {
  it('keeps an IPv4 address as it is', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('127.0.0.1'), '127.0.0.1');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const key = '2001:db8:0:1::/64';
    for (const ip of [
      '2001:db8:0:1::1',
      '2001:db8::1:0:0:0:2',
      '2001:0db8:0000:0001:ffff:ffff:ffff:ffff',
      '2001:DB8:0:1:abcd::9',
      '2001:db8:0:1::',
      '2001:db8:0:1::203.0.113.9',
    ]) {
      assert.equal(addressKey(ip), key, ip);
    }
    assert.equal(addressKey('2001:db8:0:2::1'), '2001:db8:0:2::/64');
    assert.equal(addressKey('2001:db8:1:1::1'), '2001:db8:1:1::/64');
  });

  it('handles the short forms and a zone', () => {
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('::'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('1:2:3:4:5:6:7:8'), '1:2:3:4::/64');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::FFFF:cb00:7107'), '203.0.113.7');
    assert.equal(addressKey('0:0:0:0:0:ffff:7f00:1'), '127.0.0.1');
  });

  it('leaves what is not an address alone', () => {
    assert.equal(addressKey('unknown'), 'unknown');
    assert.equal(addressKey(''), '');
  });
});
