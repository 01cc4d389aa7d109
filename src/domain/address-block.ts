/**
 * The block of addresses one client holds, for the per-address brakes (sign-in failures, the token endpoint's and
 * revocation's budgets): an IPv4 address is its own block; an IPv6 address's block is its /64, the smallest prefix
 * a network hands one subscriber (RFC 6177), so a client cannot multiply its budget by the 2^64 addresses of its own
 * network. Until 2026-12-05 each IPv6 address had a budget of its own. An IPv4 address seen through IPv6
 * (`::ffff:a.b.c.d` on a dual-stack socket, NAT64's `64:ff9b::a.b.c.d`) is that IPv4 address: a /64 of those would
 * put every IPv4 client in one block. The audit trail and "last used" keep the whole address.
 */
export function addressBlock(address: string): string {
  // The exchange asks on every request: an IPv4 address (no colon) is answered without parsing. The addresses come
  // from the socket or proxy-addr, so they are well-formed; what does not parse as IPv6 is kept as it is.
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address);
  if (groups === null) return address;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (mapped || nat64) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a zone dropped, a dotted IPv4 tail read). */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    if (Math.max(a, b, c, d) > 255) return null;
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0) return null;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (groups.length !== 8 || !groups.every((g) => HEXTET.test(g))) return null;
  return groups.map((g) => Number.parseInt(g, 16));
}

const HEXTET = /^[0-9a-f]{1,4}$/;
