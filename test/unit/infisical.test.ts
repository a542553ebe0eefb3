// Infisical's naming, spec and credential checks, and its stack-config reader: pure, no server.
import * as assert from "node:assert/strict";
import { infisicalDriver, pacingOf } from "../../src/migration/destinations/infisical/driver";
import { infisicalNaming, projectSlug } from "../../src/migration/destinations/infisical/naming";
import { createMapper } from "../../src/engine";
import { readMigrations } from "../../src/program/migrationConfig";
import { tryAgainHintMs } from "../../src/clients/infisical";

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
    assert.deepEqual(pacingOf({ plan: "free" }), { requestsPerMinute: 120 });
    assert.deepEqual(pacingOf({ plan: "pro" }), { requestsPerMinute: 300 });
    assert.equal(pacingOf({ plan: "self-hosted" }), false);
    assert.equal(tryAgainHintMs("Rate limit exceeded. Please try again in 12 seconds"), 12_000);
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
