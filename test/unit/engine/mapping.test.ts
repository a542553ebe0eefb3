import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  isMappingConfigError,
  createMapper,
} from "../../../src/engine";
import { KEY_VAULT_NAME_PATTERN, keyVaultNaming, sanitizeKeyVaultName } from "../../../src/migration/destinations/keyvault/naming";
import type { MapOutcome } from "../../../src/engine";

/** Seed 003's sanitize_name, transcribed literally from its Python. */
function seedSanitize(p: string): string {
  let name = p.replace(/\//g, "-").replace(/_/g, "-");
  name = name.replace(/[^a-zA-Z0-9-]/g, "-");
  name = name.replace(/-+/g, "-");
  return name.replace(/^-+/, "").replace(/-+$/, "").slice(0, 127);
}

const segment = fc.stringMatching(/^[A-Za-z0-9_.\- ]{1,12}$/);
const vaultPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
const anyPath = fc.string({ unit: "binary", minLength: 1, maxLength: 300 });

function mapped(out: MapOutcome): string {
  assert.equal(out.kind, "mapped", JSON.stringify(out));
  return (out as { name: string }).name;
}

describe("engine/mapping", () => {
  describe("sanitizeKeyVaultName", () => {
    it("implements seed 003 on examples", () => {
      assert.equal(sanitizeKeyVaultName("secret/webapp/prod/db_password"), "secret-webapp-prod-db-password");
      assert.equal(sanitizeKeyVaultName("//a__b..c//"), "a-b-c");
      assert.equal(sanitizeKeyVaultName("café/ключ"), "caf");
      assert.equal(sanitizeKeyVaultName("___"), "");
    });

    it("equals the seed algorithm (property)", () => {
      fc.assert(fc.property(anyPath, (p) => assert.equal(sanitizeKeyVaultName(p), seedSanitize(p))));
    });

    it("either yields a valid Key Vault name or the mapper reports the path (property)", () => {
      const mapper = createMapper({ naming: keyVaultNaming });
      fc.assert(
        fc.property(anyPath, (p) => {
          const out = mapper.map({ mount: "secret", path: p });
          if (out.kind === "mapped") assert.match(out.name, KEY_VAULT_NAME_PATTERN);
          else assert.equal(out.kind, "invalid");
        }),
      );
      const bad = createMapper({ naming: keyVaultNaming, rules: [{ match: "**", name: "{name}" }] }).map({ mount: "m", path: "x/___" });
      assert.deepEqual(bad, { kind: "invalid", message: "source path [m/x/___] maps to an empty name" });
    });
  });

  describe("createMapper", () => {
    it("defaults to sanitize(mount/path) like seed 003", () => {
      const m = createMapper({ naming: keyVaultNaming });
      assert.equal(mapped(m.map({ mount: "/secret/", path: "webapp/db_password" })), "secret-webapp-db-password");
    });

    it("applies the first matching rule with placeholders and captures", () => {
      const m = createMapper({
        naming: keyVaultNaming,
        rules: [
          { match: "apps/*/db/**", name: "db-{1}-{2}" },
          { match: "apps/*/{prod,dev}/*", name: "{3}-{2}-{1}" },
          { match: "apps/**", name: "{mount}-{dir}-{name}" },
          { match: "shared/*", name: "shared-{path}", mount: "other" },
        ],
      });
      assert.equal(mapped(m.map({ mount: "kv", path: "apps/web/db/main/password" })), "db-web-main-password");
      assert.equal(mapped(m.map({ mount: "kv", path: "apps/web/prod/key" })), "key-prod-web");
      assert.equal(mapped(m.map({ mount: "kv", path: "apps/web/x/y" })), "kv-apps-web-x-y");
      // The mount-restricted rule does not apply to another mount: default rule.
      assert.equal(mapped(m.map({ mount: "kv", path: "shared/a" })), "kv-shared-a");
      assert.equal(mapped(m.map({ mount: "other", path: "shared/a" })), "shared-shared-a");
    });

    it("gives empty strings for captures and {dir} that matched nothing", () => {
      const m = createMapper({ naming: keyVaultNaming, rules: [{ match: "a/**", name: "x{1}y{dir}" }] });
      assert.equal(mapped(m.map({ mount: "m", path: "a" })), "xy");
    });

    it("filters with include and exclude on the path relative to the mount", () => {
      const m = createMapper({ naming: keyVaultNaming, include: ["apps/**", "shared/*"], exclude: ["**/tmp/**", "**/.*"] });
      assert.equal(m.map({ mount: "kv", path: "apps/a/b" }).kind, "mapped");
      assert.equal(m.map({ mount: "kv", path: "shared/x" }).kind, "mapped");
      assert.equal(m.map({ mount: "kv", path: "shared/x/y" }).kind, "excluded");
      assert.equal(m.map({ mount: "kv", path: "other" }).kind, "excluded");
      assert.equal(m.map({ mount: "kv", path: "apps/tmp/z" }).kind, "excluded");
      assert.equal(m.map({ mount: "kv", path: "apps/a/.hidden" }).kind, "excluded");
    });

    it("reports every bad glob and template, each named", () => {
      try {
        createMapper({
          naming: keyVaultNaming,
          rules: [
            { match: "apps/[a-", name: "x" },
            { match: "apps/*", name: "{2}" },
            { match: "apps/*", name: "{nope}" },
            { match: "apps/*", name: "a}b" },
            { match: "/abs", name: "x" },
          ],
          include: ["{a"],
          exclude: [""],
        });
        assert.fail("expected an error");
      } catch (err) {
        assert.ok(isMappingConfigError(err));
        assert.equal(err.problems.length, 7, err.message);
        for (const needle of ["[apps/[a-]", "{2} but the glob has 1 capture", "{nope}", "[a}b]: unbalanced", "[/abs]", "include[0] [{a]", "exclude[0]: empty glob"]) {
          assert.ok(err.message.includes(needle), `missing ${needle} in ${err.message}`);
        }
      }
    });

    it("is deterministic (property)", () => {
      const m1 = createMapper({ naming: keyVaultNaming, rules: [{ match: "*/**", name: "{1}-{name}" }] });
      const m2 = createMapper({ naming: keyVaultNaming, rules: [{ match: "*/**", name: "{1}-{name}" }] });
      fc.assert(fc.property(vaultPath, (p) => assert.deepEqual(m1.map({ mount: "kv", path: p }), m2.map({ mount: "kv", path: p }))));
    });
  });

});
