/**
 * The `--trust-proxy` setting: which peers may speak for the client through X-Forwarded-For/-Proto/-Host.
 * The list goes to fastify as `trustProxy`, where proxy-addr walks X-Forwarded-For from the right and stops at
 * the first address that is not a trusted proxy: entries a client writes on the left are never believed.
 * Validated here at boot, so a typo is a clear error rather than a proxy-addr exception (or silent distrust).
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

/** proxy-addr's named ranges, accepted as they are, and the subnets each stands for. */
const NAMED_RANGES: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  linklocal: [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  uniquelocal: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
};

/**
 * The trusted proxies as a BlockList (an IPv4-mapped IPv6 peer matches its IPv4 entry), or null when none: the peers
 * the per-address connection cap exempts (http/connection-limits.ts).
 */
export function trustedProxyList(entries: readonly string[]): BlockList | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const named = NAMED_RANGES[entry.toLowerCase()];
    if (named) {
      for (const [network, prefix, type] of named) list.addSubnet(network, prefix, type);
      continue;
    }
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

export type TrustedProxiesResult = { ok: true; entries: string[] } | { ok: false; problem: string };

/** Parses "10.0.0.1, 10.1.0.0/16, ::1" into its entries, or says what is wrong with it. */
export function parseTrustedProxies(value: string): TrustedProxiesResult {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const bad: string[] = [];
  for (const entry of entries) {
    if (!isTrustedProxyEntry(entry)) bad.push(entry);
  }
  if (bad.length > 0) {
    return {
      ok: false,
      problem:
        `must be a comma-separated list of proxy addresses or CIDRs (e.g. 10.0.0.5,10.1.0.0/16,::1), ` +
        `got ${bad.map((b) => `"${b}"`).join(', ')}` +
        (bad.some((b) => ['*', 'true', 'all', '0.0.0.0/0', '::/0'].includes(b))
          ? ': trusting every address would let any client choose its own address'
          : ''),
    };
  }
  return { ok: true, entries };
}

function isTrustedProxyEntry(entry: string): boolean {
  if (Object.hasOwn(NAMED_RANGES, entry.toLowerCase())) return true;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const prefix = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  // A zero-length prefix trusts the whole Internet as a proxy, which is the very bug this setting closes.
  return bits >= 1 && bits <= (family === 4 ? 32 : 128);
}
