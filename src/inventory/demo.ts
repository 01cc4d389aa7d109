/**
 * Demo inventory for `--demo`: VDCs, vApps and VMs in `acme` and `globex`. Owned by the inventory module.
 */
import type { Store } from '../store/store.js';

export async function seedDemoInventory(_store: Store, _orgs: { acme: string; globex: string }): Promise<void> {
  // Filled in by the inventory issue.
}
