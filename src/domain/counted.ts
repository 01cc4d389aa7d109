/**
 * "1 user", "2 users": a count with its noun, given in the plural, singular when the count is one. The nouns counted
 * in Tessera's messages and pages all take an "s" (users, VDCs, vApps, VMs, events, data centers).
 */
export function counted(n: number, pluralNoun: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? pluralNoun.replace(/s$/, '') : pluralNoun}`;
}
