/**
 * vSphere's guest OS identifier (VCD's `OsType`, e.g. `ubuntu64Guest`) for the guest OS names Tessera's inventory
 * stores (`vms.guest_os` holds vSphere's full name, as VCD's VM records show it). Only names whose identifier is
 * one vSphere defines for exactly that full name are mapped; any other name has no known identifier and the
 * document leaves `OsType` out (VCD's schema allows it; Terraform reads it only when set).
 */
const OS_TYPES: ReadonlyMap<string, string> = new Map([
  ['Ubuntu Linux (64-bit)', 'ubuntu64Guest'],
  ['Red Hat Enterprise Linux 9 (64-bit)', 'rhel9_64Guest'],
  ['Red Hat Enterprise Linux 8 (64-bit)', 'rhel8_64Guest'],
  ['Debian GNU/Linux 12 (64-bit)', 'debian12_64Guest'],
  ['Debian GNU/Linux 11 (64-bit)', 'debian11_64Guest'],
  ['Microsoft Windows Server 2022 (64-bit)', 'windows2019srvNext_64Guest'],
  ['Other (64-bit)', 'otherGuest64'],
]);

/** The vSphere guest id for a guest OS full name, or null when it is not one Tessera knows. */
export function osTypeOf(guestOs: string): string | null {
  return OS_TYPES.get(guestOs) ?? null;
}
