/**
 * VCD's status values for vApps, VMs and templates. Records in the query service carry the name
 * (`status="POWERED_ON"`); entity documents (`<VApp status="4">`, `<Vm status="8">`) carry the integer, which
 * go-vcloud-director decodes into an int (its `types.VAppStatuses` map, vcd-wire §9.2).
 */
export const VCD_STATUS = {
  FAILED_CREATION: -1,
  UNRESOLVED: 0,
  RESOLVED: 1,
  DEPLOYED: 2,
  SUSPENDED: 3,
  POWERED_ON: 4,
  WAITING_FOR_INPUT: 5,
  UNKNOWN: 6,
  UNRECOGNIZED: 7,
  POWERED_OFF: 8,
  INCONSISTENT_STATE: 9,
  MIXED: 10,
  DESCRIPTOR_PENDING: 11,
  COPYING_CONTENTS: 12,
  DISK_CONTENTS_PENDING: 13,
  QUARANTINED: 14,
  QUARANTINE_EXPIRED: 15,
  REJECTED: 16,
  TRANSFER_TIMEOUT: 17,
  VAPP_UNDEPLOYED: 18,
  VAPP_PARTIALLY_DEPLOYED: 19,
} as const;

export type VcdStatusName = keyof typeof VCD_STATUS;
export const VCD_STATUS_NAMES = Object.keys(VCD_STATUS) as VcdStatusName[];

/** The integer for a stored status name; UNKNOWN (6) for anything unexpected. */
export function statusCode(name: string): number {
  return (VCD_STATUS as Record<string, number>)[name] ?? VCD_STATUS.UNKNOWN;
}
