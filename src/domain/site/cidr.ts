/**
 * IP addresses and CIDR subnets, IPv4 and IPv6, as numbers: parsing, the canonical text
 * and whether a subnet holds an address. An IPv4 address written as IPv6 (`::ffff:10.1.2.3`,
 * what a dual-stack socket reports for an IPv4 client) is the IPv4 address.
 */

export type Family = 4 | 6;

/** An address: its family and its bits as one number. */
export type Address = { family: Family; value: bigint };

/** A subnet: its network address (host bits zero) and prefix length. */
export type Cidr = { family: Family; network: bigint; prefix: number };

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    // No sign, no leading zero (`010` is octal to some tools), at most 255.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === null) return null;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array.from({ length: missing }, () => 0), ...tail];
  return groups.reduce((value, g) => (value << 16n) | BigInt(g), 0n);
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** An address in text, or null when it is not one. A zone (`fe80::1%eth0`) is dropped. */
export function parseAddress(text: string): Address | null {
  if (text.length > 64) return null;
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(text.split('%')[0] ?? '');
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & ~MAPPED_PREFIX };
  return { family: 6, value: v6 };
}

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) =>
    Number((value >> BigInt(112 - 16 * i)) & 0xffffn),
  );
  // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes `::`.
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

export function formatAddress(address: Address): string {
  if (address.family === 6) return formatIpv6(address.value);
  const v = address.value;
  return [24n, 16n, 8n, 0n].map((shift) => String((v >> shift) & 0xffn)).join('.');
}

export function formatCidr(cidr: Cidr): string {
  return `${formatAddress({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

function mask(family: Family, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/**
 * A subnet in text (`10.1.0.0/16`, `2001:db8::/32`): the subnet, or why not. Host bits
 * must be zero, so a rule says what it means: `10.1.2.3/16` is refused, naming `10.1.0.0/16`.
 */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; message: string } {
  const slash = text.indexOf('/');
  if (slash < 0)
    return { ok: false, message: 'not a subnet: write ADDRESS/PREFIX, e.g. 10.1.0.0/16' };
  const at = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  // A mapped IPv4 subnet (::ffff:10.0.0.0/104) would be a second spelling of an IPv4 one.
  const address = parseIpv4(at) !== null || !at.includes('.') ? parseAddress(at) : null;
  if (address === null || at.includes('%')) {
    return { ok: false, message: `not an IPv4 or IPv6 address: ${at || '(empty)'}` };
  }
  const max = BITS[address.family];
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > max) {
    return { ok: false, message: `the prefix length must be a whole number from 0 to ${max}` };
  }
  const prefix = Number(prefixText);
  const network = address.value & mask(address.family, prefix);
  const cidr: Cidr = { family: address.family, network, prefix };
  if (network !== address.value) {
    return { ok: false, message: `host bits are set: the subnet is ${formatCidr(cidr)}` };
  }
  return { ok: true, cidr };
}

export function cidrContains(cidr: Cidr, address: Address): boolean {
  return (
    cidr.family === address.family &&
    (address.value & mask(cidr.family, cidr.prefix)) === cidr.network
  );
}
