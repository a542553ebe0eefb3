import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  KEY_VAULT_NAME_PATTERN,
  isMappingConfigError,
  isMappingError,
  createMapper,
  keyVaultNaming,
  mapAll,
  sanitizeKeyVaultName,
} from "../../../src/engine";
import type { DestinationNaming, MapOutcome, SourceRef } from "../../../src/engine";

/** Seed 003's sanitize_name, transcribed literally from its Python. */
function seedSanitize(p: string): string {
  let name = p.replace(/\//g, "-").replace(/_/g, "-");
  name = name.replace(/[^a-zA-Z0-9-]/g, "-");
  name = name.replace(/-+/g, "-");
  return name.replace(/^-+/, "").replace(/-+$/, "").slice(0, 127);
}

const caseSensitiveNaming: DestinationNaming = {
  id: "test-case-sensitive",
  caseSensitive: true,
  sanitize: sanitizeKeyVaultName,
  isValid: (n) => KEY_VAULT_NAME_PATTERN.test(n),
};

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

  describe("mapAll", () => {
    it("maps every path and omits excluded ones", () => {
      const out = mapAll(
        [
          { mount: "kv", path: "a" },
          { mount: "kv", path: "b/c" },
          { mount: "kv", path: "skip/me" },
        ],
        { naming: keyVaultNaming, exclude: ["skip/**"] },
      );
      assert.deepEqual([...out], [["kv/a", "kv-a"], ["kv/b/c", "kv-b-c"]]);
    });

    it("lists ALL collisions, case-insensitively for Key Vault, and invalid names", () => {
      const refs: SourceRef[] = [
        { mount: "kv", path: "app/db_pass" },
        { mount: "kv", path: "app/db-pass" },
        { mount: "kv", path: "App/DB/pass" },
        { mount: "kv", path: "x.y" },
        { mount: "kv", path: "x_y" },
        { mount: "kv", path: "fine" },
      ];
      try {
        mapAll(refs, { naming: keyVaultNaming, rules: [{ match: "___", name: "{path}" }] });
        assert.fail("expected an error");
      } catch (err) {
        assert.ok(isMappingError(err));
        assert.deepEqual(
          err.collisions.map((c) => c.paths),
          [["kv/app/db_pass", "kv/app/db-pass", "kv/App/DB/pass"], ["kv/x.y", "kv/x_y"]],
        );
        assert.ok(err.message.includes("[kv/x.y], [kv/x_y] all map to destination name [kv-x-y]"));
      }
      // Case matters only when the destination says so.
      const cs = mapAll([{ mount: "kv", path: "A" }, { mount: "kv", path: "a" }], { naming: caseSensitiveNaming });
      assert.equal(cs.size, 2);
      try {
        mapAll([{ mount: "kv", path: "___" }, { mount: "kv", path: "ok" }], { naming: keyVaultNaming, rules: [{ match: "*", name: "{path}" }] });
        assert.fail("expected an error");
      } catch (err) {
        assert.ok(isMappingError(err));
        assert.deepEqual(err.invalid.map((i) => i.path), ["kv/___"]);
      }
    });

    it("always detects collisions (property)", () => {
      fc.assert(
        fc.property(fc.uniqueArray(vaultPath, { minLength: 1, maxLength: 30 }), (paths) => {
          const refs = paths.map((path) => ({ mount: "kv", path }));
          const names = new Map<string, string[]>();
          const mapper = createMapper({ naming: keyVaultNaming });
          for (const r of refs) {
            const out = mapper.map(r);
            if (out.kind !== "mapped") continue;
            const k = out.name.toLowerCase();
            names.set(k, [...(names.get(k) ?? []), `kv/${r.path}`]);
          }
          const expected = [...names.values()].filter((p) => p.length > 1);
          try {
            const result = mapAll(refs, mapper);
            assert.equal(expected.length, 0);
            const lower = [...result.values()].map((n) => n.toLowerCase());
            assert.equal(new Set(lower).size, lower.length);
          } catch (err) {
            assert.ok(isMappingError(err));
            assert.deepEqual(err.collisions.map((c) => c.paths), expected);
          }
        }),
      );
    });
  });
});
