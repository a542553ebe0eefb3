// Infisical's naming, spec and credential checks, and its stack-config reader: pure, no server.
import * as assert from "node:assert/strict";
import { infisicalDriver, pacingOf } from "../../src/migration/destinations/infisical/driver";
import { infisicalNaming, projectSlug } from "../../src/migration/destinations/infisical/naming";
import { createMapper } from "../../src/engine";
import { readMigrations } from "../../src/program/migrationConfig";
import { tryAgainHintMs } from "../../src/clients/infisical";
import { InfisicalClient, infisicalCategory } from "../../src/clients/infisical/InfisicalClient";

describe("Infisical naming, checks and stack config", () => {
  it("names: mount mapping, namespace mapping and explicit <project>:<env>:<path> targets, sanitised to Infisical's rules", () => {
    const byMount = createMapper({ naming: infisicalNaming({}) });
    assert.deepEqual(byMount.map({ mount: "team_a", path: "apps/web.db" }), { kind: "mapped", name: "team-a/production/apps/web-db", rule: "default", note: 'folder/key name(s) "web.db" sanitised to [a-zA-Z0-9-_] (team-a/production/apps/web-db)' });
    assert.equal(projectSlug("kv"), "kv-vault", "a slug under 5 characters is lengthened");
    const byNs = createMapper({ naming: infisicalNaming({ projectMapping: "namespace", project: "root-ns", mount: "apps/KV" }) });
    assert.deepEqual(byNs.map({ mount: "apps/KV", path: "db/main" }), { kind: "mapped", name: "root-ns/apps-kv/db/main", rule: "default" }, "the whole mount, slash included, is the environment");
    const nested = createMapper({ naming: infisicalNaming({ mount: "apps/kv" }) });
    assert.deepEqual(nested.map({ mount: "apps/kv", path: "db" }), { kind: "mapped", name: "apps-kv/production/db", rule: "default" }, "and the project with mount mapping");
    const ruled = createMapper({ naming: infisicalNaming({}), rules: [{ match: "x/*", name: "Pay_Ments:Prod:/a/{1}" }, { match: "bad/*", name: "one:colon{1}" }] });
    assert.deepEqual(ruled.map({ mount: "kv", path: "x/card" }), { kind: "mapped", name: "pay-ments/prod/a/card", rule: 0 });
    assert.equal(ruled.map({ mount: "kv", path: "bad/z" }).kind, "invalid", "one colon is not a target");
    // A name too short to be a key under a project and environment.
    assert.equal(byMount.map({ mount: "kv", path: "" }).kind, "invalid");
    assert.equal(infisicalNaming({}).isValid("ab/production/x"), false, "project slug under 5");
    assert.equal(infisicalNaming({}).isValid("abcde/Prod/x"), false, "environment slug upper case");
  });

  it("spec and credential checks name the key, without network", () => {
    assert.deepEqual(infisicalDriver.validateSpec({ kind: "infisical", siteUrl: "https://app.infisical.com" }, "d"), []);
    const p = infisicalDriver.validateSpec({ kind: "infisical", siteUrl: "http://infisical.example.com", projectMapping: "namespace", layout: "yaml", whitespace: "strip", plan: "team", pacing: { requestsPerMinute: 0, burst: 1 }, extra: 1 }, "d");
    for (const m of [/\[d\.extra\] is not an Infisical destination setting/, /\[d\.siteUrl\] must be https/, /\[d\.project\] is required with projectMapping "namespace"/, /\[d\.layout\]/, /\[d\.whitespace\] must be "refuse" or "base64"/, /\[d\.plan\]/, /\[d\.pacing\.burst\]/, /\[d\.pacing\.requestsPerMinute\]/]) {
      assert.ok(p.some((x) => m.test(x)), `${m}: ${p.join(" | ")}`);
    }
    assert.deepEqual(infisicalDriver.validateSpec({ kind: "infisical", siteUrl: "http://127.0.0.1:8080", project: "Bad" }, "d"), ['[d.project] must be a project slug of 5-36 characters of [a-z0-9-]: "Bad"']);
    assert.deepEqual(infisicalDriver.validateCredentials({ auth: { method: "universal-auth", clientId: "id", clientSecret: "" } }, "d"), ["[d.auth.clientSecret] is required (set it with pulumi config set --secret)"]);
    assert.deepEqual(pacingOf({ plan: "free" }), { requestsPerMinute: 120, readPerMinute: 200, writePerMinute: 90, overallPerMinute: 600 });
    assert.deepEqual(pacingOf({ plan: "pro" }), { requestsPerMinute: 300, readPerMinute: 350, writePerMinute: 200, overallPerMinute: 600 });
    assert.deepEqual(pacingOf({ plan: "pro", pacing: { requestsPerMinute: 3000 } }), { requestsPerMinute: 3000 }, "explicit pacing wins");
    const bad = infisicalDriver.validateSpec({ kind: "infisical", siteUrl: "https://app.infisical.com", pacing: { requestsPerMinute: 300, readPerMinute: 0, writePerMinute: 1.5, overallPerMinute: "600" } }, "d");
    assert.deepEqual(bad, ["[d.pacing.readPerMinute] must be a whole number from 1 to 100,000", "[d.pacing.writePerMinute] must be a whole number from 1 to 100,000", "[d.pacing.overallPerMinute] must be a whole number from 1 to 100,000"]);
    assert.deepEqual(infisicalDriver.validateSpec({ kind: "infisical", siteUrl: "https://app.infisical.com", pacing: { requestsPerMinute: 300, readPerMinute: 350, writePerMinute: 200, overallPerMinute: 600 } }, "d"), []);
    assert.equal(pacingOf({ plan: "self-hosted" }), false);
    assert.equal(tryAgainHintMs("Rate limit exceeded. Please try again in 12 seconds"), 12_000);
  });

  it("pacing: one shared pacer per category on a site (secrets, read, write), and the 600/min overall on Infisical Cloud only", async () => {
    const registry = (): string[] => [...((process as unknown as Record<symbol, Map<string, unknown> | undefined>)[Symbol.for("vault-migration.pacers")]?.keys() ?? [])];
    const cloud = new InfisicalClient({ siteUrl: "https://eu.infisical.com", auth: { method: "access-token", accessToken: "t" }, pacing: pacingOf({ plan: "free" }) });
    const own = new InfisicalClient({ siteUrl: "https://infisical.example.com", auth: { method: "access-token", accessToken: "t" }, pacing: { requestsPerMinute: 1000, writePerMinute: 100, headroom: 0.5 } });
    try {
      const eu = registry().filter((k) => k.startsWith("infisical|https://eu.infisical.com|")).sort();
      assert.deepEqual(eu, ["infisical|https://eu.infisical.com|overall|570|60000", "infisical|https://eu.infisical.com|read|190|60000", "infisical|https://eu.infisical.com|secrets|114|60000", "infisical|https://eu.infisical.com|write|85|60000"]);
      const self = registry().filter((k) => k.startsWith("infisical|https://infisical.example.com|")).sort();
      assert.deepEqual(self, ["infisical|https://infisical.example.com|read|500|60000", "infisical|https://infisical.example.com|secrets|500|60000", "infisical|https://infisical.example.com|write|50|60000"], "read defaults to the secrets number; no overall limit off Cloud");
    } finally {
      await cloud.close();
      await own.close();
    }
    assert.deepEqual(
      [infisicalCategory("GET", "v4/secrets"), infisicalCategory("PATCH", "v4/secrets/batch"), infisicalCategory("DELETE", "v4/secrets/K"), infisicalCategory("GET", "v2/folders"), infisicalCategory("POST", "v2/folders"), infisicalCategory("POST", "v1/auth/universal-auth/login"), infisicalCategory("GET", "v1/secret-syncs/hashicorp-vault")],
      ["secrets", "secrets", "secrets", "read", "write", "write", "read"],
    );
  });

  it("stack config: site from INFISICAL_SITE_URL, the client secret from secret config or env, problems naming where a credential can come from", () => {
    const raw = [{ name: "inf", source: { mount: "kv" }, destination: { kind: "infisical", projectMapping: "mount", layout: "json" } }];
    const [m] = readMigrations(raw, { INFISICAL_SITE_URL: "https://eu.infisical.com", INFISICAL_CLIENT_ID: "cid" }, (k) => (k === "infisicalClientSecret" ? "cs-123" : undefined));
    assert.equal(m?.kind, "infisical");
    assert.deepEqual(m?.destination, { projectMapping: "mount", layout: "json", siteUrl: "https://eu.infisical.com" });
    assert.deepEqual(m?.credentials, { auth: { method: "universal-auth", clientId: "cid", clientSecret: "cs-123" } });
    const [t] = readMigrations([{ ...raw[0], destination: { kind: "infisical", auth: { method: "access-token" } } }], { INFISICAL_TOKEN: "tok-1" });
    assert.deepEqual([t?.destination.siteUrl, t?.credentials], ["https://app.infisical.com", { auth: { method: "access-token", accessToken: "tok-1" } }]);
    assert.throws(
      () => readMigrations(raw, {}),
      (e: Error) => /clientId\] is required .*\(or INFISICAL_CLIENT_ID\)/.test(e.message) && /clientSecret\] is required .*infisicalClientSecret, or INFISICAL_CLIENT_SECRET/.test(e.message),
    );
  });
});
