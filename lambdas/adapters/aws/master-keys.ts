/**
 * The keys of master data in the bills table, one definition for the store and for the policy
 * reader of the functions that need nothing else (lambdas/adapters/aws/table.ts has the table).
 */

/** The current master version's pointer (`MASTER`/`CURRENT`) and an import under way (`MASTER`/`IMPORT`). */
export const MASTER_POINTER = { pk: 'MASTER', current: 'CURRENT', importing: 'IMPORT' } as const;

/**
 * The keys of master data of one version ('' is data imported before versions existed). Sort
 * keys carry the version, so the ledger items beside them (`SPEND`, `BILLED`) are not versioned.
 */
export function masterKeys(version: string) {
  const v = version ? `@${version}` : '';
  return {
    policy: `POLICY${v}`,
    vendor: `VENDOR${v}`,
    po: `PO${v}`,
    byVendor: (vendorId: string) => (version ? `${version}#VENDOR#${vendorId}` : `VENDOR#${vendorId}`),
    byVendorPrefix: version ? `${version}#VENDOR#` : 'VENDOR#',
    openPo: (vendorId: string) => (version ? `OPENPO@${version}#${vendorId}` : `OPENPO#${vendorId}`),
  };
}
