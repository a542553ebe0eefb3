// The destination conformance suite on the in-memory FakeDestination (unit tier: no server), in
// the shapes the real drivers take: case-sensitive with soft delete and no value limit (Vault KV
// v2-like), case-insensitive with a value limit (Key Vault-like), and without soft delete or
// versions (KV v1-like).
import { destinationConformance, type ConformanceFactory } from "../../conformance/destinationSuite";
import { FakeDestination, type FakeDestinationOptions } from "../../doubles/fakeDestination";

function fakeFactory(options: Omit<FakeDestinationOptions, "fingerprintKey">): ConformanceFactory {
  return async ({ fingerprintKey, settings }) => {
    const destination = new FakeDestination({ ...options, fingerprintKey, ...(settings.expiryKey ? { expiry: { metadataKey: settings.expiryKey } } : {}) });
    return {
      destination,
      seedForeign: async (name, value) => destination.seedForeign(name, { value }),
      editByHand: async (name, value) => destination.editByHand(name, { value }),
      softDeleteForeign: async (name, value) => {
        destination.seedForeign(name, { value });
        destination.softDelete(name);
      },
      teardown: () => destination.close(),
    };
  };
}

destinationConformance("fake (case-sensitive, soft delete)", fakeFactory({ caseSensitive: true }), {
  capabilities: { softDelete: true, versions: true, checkAndSet: false, metadata: true, expiry: true },
});

destinationConformance("fake (case-insensitive, 2 KB value limit)", fakeFactory({ caseSensitive: false, maxValueBytes: 2_048 }), {
  capabilities: { softDelete: true, versions: true, checkAndSet: false, metadata: true, expiry: true, maxValueBytes: 2_048 },
});

destinationConformance("fake (no soft delete, no versions)", fakeFactory({ softDelete: false, versions: false }), {
  capabilities: { softDelete: false, versions: false, checkAndSet: false, metadata: true, expiry: true },
});
