// The Infisical sync's pure parts: the least-privilege Vault policy it is given, and the refusal of
// two syncs whose key schemas do not keep their keys apart in one Vault secret. No server, no engine.
import * as assert from "node:assert/strict";
import { renderInfisicalSyncPolicy } from "../../src/components/infisicalSyncPolicy";
import { keysKeptApart, syncTargetOverlaps } from "../../src/resources/infisicalSyncTargets";

describe("Infisical sync: Vault policy and overlapping targets", () => {
  it("renders create/read/update on the sync's own secret only, and read on sys/mounts", () => {
    assert.equal(
      renderInfisicalSyncPolicy([{ mount: "/secret/", path: "apps/web/" }]),
      '# Least-privilege Vault policy for an Infisical secret sync: its own secret(s) only.\npath "secret/data/apps/web" {\n  capabilities = ["create", "read", "update"]\n}\npath "sys/mounts" {\n  capabilities = ["read"]\n}\n',
    );
    const folder = renderInfisicalSyncPolicy([{ mount: "kv1", path: "team", kvVersion: 1, folder: true }]);
    assert.match(folder, /path "kv1\/team" \{\n {2}capabilities = \["create", "read", "update"\]\n\}\npath "kv1\/team\/\*" \{/);
    assert.doesNotMatch(folder, /delete|list|\*"\s*\{[^}]*sudo/);
    assert.throws(() => renderInfisicalSyncPolicy([{ mount: "secret", path: "" }]), /\[targets\[0\]\.path\] must name the sync's secret/);
    assert.throws(() => renderInfisicalSyncPolicy([{ mount: "secret", path: "apps/*" }]), /not a glob/);
  });

  it("two syncs into one mount/path are refused unless fixed prefixes or suffixes keep their keys apart", () => {
    const t = (label: string, keySchema?: string, environment = "prod", path = "app") => ({ label, mount: "secret", path, environment, ...(keySchema ? { keySchema } : {}) });
    assert.equal(syncTargetOverlaps([t("a"), t("b")]).length, 1);
    assert.match(syncTargetOverlaps([t("a"), t("b")])[0] ?? "", /"a" and "b" both write Vault secret\/app and would erase each other's keys \(Infisical issues #4318, #807\)/);
    assert.equal(syncTargetOverlaps([t("a", "A_{{secretKey}}"), t("b")]).length, 1, "one without a schema matches every key");
    assert.equal(syncTargetOverlaps([t("a", "APP_{{secretKey}}"), t("b", "APP_DB_{{secretKey}}")]).length, 1, "APP_DB_X matches both");
    assert.deepEqual(syncTargetOverlaps([t("a", "A_{{secretKey}}"), t("b", "AB_{{secretKey}}")]), []);
    assert.deepEqual(syncTargetOverlaps([t("a", "{{secretKey}}_A"), t("b", "{{secretKey}}_B")]), []);
    assert.deepEqual(syncTargetOverlaps([t("a", "{{environment}}_{{secretKey}}"), t("b", "{{environment}}_{{secretKey}}", "staging")]), [], "the environment fills the schema");
    assert.equal(syncTargetOverlaps([t("a", "{{environment}}_{{secretKey}}"), t("b", "{{environment}}_{{secretKey}}")]).length, 1);
    assert.deepEqual(syncTargetOverlaps([t("a"), t("b", undefined, "prod", "other")]), [], "another path");
    assert.equal(keysKeptApart(t("a", "X_{{secretKey}}"), t("b", "Y_{{secretKey}}")), true);
  });
});
