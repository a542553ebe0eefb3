// ProviderByReference stands in for a provider class in the state: for a method the class does not
// have it must do what Pulumi's dynamic-provider host does for a provider lacking it, or a
// `pulumi refresh` of a resource without `read` (SourceRetirement) would fail.
import * as assert from "node:assert/strict";
import { ProviderByReference } from "../../src/resources/providerByReference";

describe("ProviderByReference: methods the referenced class lacks", () => {
  // SourceRetirementProvider has `diff`, `create`, `update`, `delete`, and no `read`.
  const provider = new ProviderByReference<Record<string, unknown>, Record<string, unknown>>("src/resources/SourceRetirement.ts", "SourceRetirementProvider");

  it("read keeps the state as it is (the host's default), instead of failing", async () => {
    const props = { retired: { retired: 1, alreadyRetired: 0, held: 0, paths: ["secret/apps/a"] } };
    assert.deepEqual(await provider.read("retirement-id", props), { id: "retirement-id", props });
  });

  it("a class the module does not export is named in the error", async () => {
    const missing = new ProviderByReference("src/resources/SourceRetirement.ts", "NoSuchProvider");
    await assert.rejects(missing.read("x", {}), /src\/resources\/SourceRetirement\.ts exports no provider NoSuchProvider/);
  });
});
