import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  formatAddress,
  formatCidr,
  parseAddress,
  parseCidr,
  type Cidr,
} from './cidr.js';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.cidr;
}

function holds(subnet: string, address: string): boolean {
  const at = parseAddress(address);
  if (at === null) throw new Error(`not an address: ${address}`);
  return cidrContains(cidr(subnet), at);
}

describe('parseAddress', () => {
  it('reads IPv4 and IPv6, compressed or not, and writes them back canonically', () => {
    expect(formatAddress(parseAddress('10.1.2.3')!)).toBe('10.1.2.3');
    expect(formatAddress(parseAddress('2001:0DB8:0000:0000:0000:0000:0000:0001')!)).toBe(
      '2001:db8::1',
    );
    expect(formatAddress(parseAddress('::')!)).toBe('::');
    expect(formatAddress(parseAddress('::1')!)).toBe('::1');
    expect(formatAddress(parseAddress('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatAddress(parseAddress('fe80::1%eth0')!)).toBe('fe80::1');
  });

  it('takes an IPv4-mapped IPv6 address (a dual-stack socket) for the IPv4 address', () => {
    expect(parseAddress('::ffff:10.1.2.3')).toEqual(parseAddress('10.1.2.3'));
    expect(parseAddress('::ffff:a01:203')).toEqual({ family: 4, value: 0x0a010203n });
  });

  it('refuses what is not an address', () => {
    for (const bad of [
      '',
      '10.1.2',
      '10.1.2.256',
      '10.01.2.3',
      '10.1.2.3.4',
      '-1.2.3.4',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      'localhost',
      ':::',
    ]) {
      expect(parseAddress(bad), bad).toBeNull();
    }
  });
});

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 subnets and writes them canonically', () => {
    expect(formatCidr(cidr('10.1.0.0/16'))).toBe('10.1.0.0/16');
    expect(formatCidr(cidr('0.0.0.0/0'))).toBe('0.0.0.0/0');
    expect(formatCidr(cidr('10.1.2.3/32'))).toBe('10.1.2.3/32');
    expect(formatCidr(cidr('2001:DB8:0::/32'))).toBe('2001:db8::/32');
    expect(formatCidr(cidr('::/0'))).toBe('::/0');
  });

  it('says why a subnet is refused', () => {
    const message = (text: string) => {
      const parsed = parseCidr(text);
      return parsed.ok ? null : parsed.message;
    };
    expect(message('10.1.0.0')).toMatch(/ADDRESS\/PREFIX/);
    expect(message('10.1.2.3/16')).toBe('host bits are set: the subnet is 10.1.0.0/16');
    expect(message('2001:db8::1/32')).toBe('host bits are set: the subnet is 2001:db8::/32');
    expect(message('10.1.0.0/33')).toMatch(/0 to 32/);
    expect(message('2001:db8::/129')).toMatch(/0 to 128/);
    expect(message('10.1.0.0/')).toMatch(/prefix/);
    expect(message('10.1.0.0/016')).toMatch(/prefix/);
    expect(message('10.1.0.0/1e1')).toMatch(/prefix/);
    expect(message('10.1.0.300/24')).toMatch(/not an IPv4 or IPv6 address/);
    expect(message('/8')).toMatch(/\(empty\)/);
    expect(message('fe80::%eth0/64')).toMatch(/not an IPv4 or IPv6 address/);
    // A second spelling of an IPv4 subnet would be a rule no IPv4 address is told apart by.
    expect(message('::ffff:10.0.0.0/104')).toMatch(/not an IPv4 or IPv6 address/);
  });
});

describe('cidrContains', () => {
  it('holds the addresses under its prefix, and only those', () => {
    expect(holds('10.1.0.0/16', '10.1.0.0')).toBe(true);
    expect(holds('10.1.0.0/16', '10.1.255.255')).toBe(true);
    expect(holds('10.1.0.0/16', '10.2.0.0')).toBe(false);
    expect(holds('10.1.0.0/16', '10.0.255.255')).toBe(false);
    expect(holds('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(holds('10.1.2.3/32', '10.1.2.3')).toBe(true);
    expect(holds('10.1.2.3/32', '10.1.2.4')).toBe(false);
    expect(holds('10.1.0.0/17', '10.1.127.1')).toBe(true);
    expect(holds('10.1.0.0/17', '10.1.128.1')).toBe(false);
    expect(holds('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(holds('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(holds('::/0', '2001:db8::1')).toBe(true);
  });

  it('never holds an address of the other family', () => {
    expect(holds('::/0', '10.1.2.3')).toBe(false);
    expect(holds('0.0.0.0/0', '::1')).toBe(false);
    expect(holds('10.0.0.0/8', '::ffff:10.9.9.9')).toBe(true);
  });
});
