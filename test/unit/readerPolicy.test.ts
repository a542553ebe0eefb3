import * as assert from "node:assert/strict";
import { renderPreviewPolicy, renderReaderPolicy, renderRetirePolicy, validateReaderSources } from "../../src/components/readerPolicy";
import { parseDurationSeconds } from "../../src/resources/durations";
import { normalisePolicy } from "../../src/resources/VaultPolicy";
import { readStackSettings } from "../../src/program/stackConfig";

describe("reader policy rendering", () => {
  it("the retire policy: update on KV v2 delete/ (soft delete of named versions), delete on KV v1; no read, list, destroy or sys/", () => {
    const hcl = renderRetirePolicy([{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }, { mount: "legacy", kvVersion: 1 }]);
    assert.ok(hcl.includes('path "secret/delete/apps/*" {\n  capabilities = ["update"]\n}'));
    assert.ok(hcl.includes('path "legacy/*" {\n  capabilities = ["delete"]\n}'));
    assert.doesNotMatch(hcl, /"read"|"list"|"create"|sudo|destroy|secret\/data|secret\/metadata|sys\//);
  });

  it("grants read+list on KV v2 data/ and metadata/ under each prefix, and read on sys/mounts", () => {
    const hcl = renderReaderPolicy([{ mount: "secret", kvVersion: 2, prefixes: ["apps/billing", "shared/"] }]);
    for (const p of ["secret/data/apps/billing/*", "secret/metadata/apps/billing/*", "secret/data/shared/*", "secret/metadata/shared/*"]) {
      assert.ok(hcl.includes(`path "${p}" {\n  capabilities = ["read", "list"]\n}`), p);
    }
    assert.ok(hcl.includes('path "sys/mounts" {\n  capabilities = ["read"]\n}'));
    assert.doesNotMatch(hcl, /create|update|delete|sudo|patch/);
  });

  it("grants the KV v1 tree directly, and the whole mount when no prefix is given", () => {
    const hcl = renderReaderPolicy([{ mount: "/legacy/", kvVersion: 1 }]);
    assert.ok(hcl.includes('path "legacy/*"'));
    assert.doesNotMatch(hcl, /legacy\/data/);
  });

  it("rejects empty mounts, bad versions and glob prefixes, naming the argument", () => {
    assert.deepEqual(validateReaderSources([]), ["[sources] must name at least one KV mount"]);
    const problems = validateReaderSources([{ mount: "", kvVersion: 3 as 1, prefixes: ["apps/*", "../x"] }]);
    assert.ok(problems.some((p) => p.startsWith("[sources[0].mount]")));
    assert.ok(problems.some((p) => p.startsWith("[sources[0].kvVersion]")));
    assert.ok(problems.some((p) => p.includes("not globs")));
    assert.ok(problems.some((p) => p.startsWith("[sources[0].prefixes] must be a path without empty, '.' or '..' segments")));
  });
});

describe("small Vault helpers", () => {
  it("parses Vault durations", () => {
    assert.equal(parseDurationSeconds("1h30m"), 5400);
    assert.equal(parseDurationSeconds("45s"), 45);
    assert.equal(parseDurationSeconds(60), 60);
    assert.equal(parseDurationSeconds("120"), 120);
    assert.equal(parseDurationSeconds(undefined), undefined);
    assert.throws(() => parseDurationSeconds("1d"), /not a duration/);
    assert.throws(() => parseDurationSeconds(-1), /whole number/);
  });

  it("compares policies without regard to whitespace", () => {
    assert.equal(normalisePolicy('path "a"  {\n\tcapabilities = ["read"]\n}\n'), normalisePolicy('path "a" { capabilities = ["read"] }'));
    assert.notEqual(normalisePolicy('path "a" { capabilities = ["read"] }'), normalisePolicy('path "b" { capabilities = ["read"] }'));
  });
});

describe("stack configuration", () => {
  it("takes the address and token from the environment when config has none", () => {
    const s = readStackSettings({ vault: {}, env: { VAULT_ADDR: "https://vault.example.com:8200", VAULT_TOKEN: "tok-123456789" } });
    assert.equal(s.vault?.address, "https://vault.example.com:8200");
    assert.deepEqual(s.auth, { method: "token", token: "tok-123456789" });
  });

  it("needs no Vault connection for a stack that only deploys the destination", () => {
    assert.deepEqual(readStackSettings({ env: {} }), {});
  });

  it("lists every problem, each naming its key, and never echoes the token", () => {
    let msg = "";
    try {
      readStackSettings({ vault: { address: "ftp://x", insecureSkipTlsVerify: "yes" }, reader: { sources: [{ mount: "", kvVersion: 5 }] }, env: {} });
    } catch (e) {
      msg = (e as Error).message;
    }
    for (const key of ["vault.address", "vault.insecureSkipTlsVerify", "vaultToken", "reader.name", "reader.sources[0].mount", "reader.sources[0].kvVersion"]) {
      assert.ok(msg.includes(`[vault-migration:${key}]`), key);
    }
  });

  it("reader.adopt: per object, true or false; anything else is refused naming the key", () => {
    const base = { vault: { address: "https://v" }, vaultToken: "tok-123456789", env: {} };
    const reader = { name: "r", sources: [{ mount: "secret", kvVersion: 2 }] };
    const s = readStackSettings({ ...base, reader: { ...reader, adopt: { authMount: true, policy: false } } });
    assert.deepEqual(s.reader?.adopt, { authMount: true, policy: false });
    assert.throws(() => readStackSettings({ ...base, reader: { ...reader, adopt: { mount: true, role: "yes" } } }), (e: unknown) => {
      const msg = (e as Error).message;
      assert.match(msg, /\[vault-migration:reader\.adopt\.mount\] is not a reader object: policy, role or authMount/);
      assert.match(msg, /\[vault-migration:reader\.adopt\.role\] must be true or false/);
      return true;
    });
    assert.throws(() => readStackSettings({ ...base, reader: { ...reader, adopt: true } }), /\[vault-migration:reader\.adopt\] must be an object/);
  });

  it("keeps TLS verification on unless explicitly turned off", () => {
    const s = readStackSettings({ vault: { address: "https://v" }, vaultToken: "tok-123456789", env: {} });
    assert.equal(s.vault?.insecureSkipTlsVerify, undefined);
    const off = readStackSettings({ vault: { address: "https://v", insecureSkipTlsVerify: true }, vaultToken: "tok-123456789", env: {} });
    assert.equal(off.vault?.insecureSkipTlsVerify, true);
  });
});

describe("CI preview policy rendering (README, Running in CI)", () => {
  it("lists and reads metadata, reads KV v2 values without listing them, reads KV v1 (fingerprints), never writes", () => {
    const hcl = renderPreviewPolicy([{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }, { mount: "legacy", kvVersion: 1 }]);
    assert.equal(
      hcl,
      [
        "# CI preview identity for vault-migration: list and metadata read; values only to size-check pending copies and to fingerprint KV v1.",
        'path "secret/metadata/apps/*" {\n  capabilities = ["read", "list"]\n}',
        'path "secret/data/apps/*" {\n  capabilities = ["read"]\n}',
        'path "legacy/*" {\n  capabilities = ["read", "list"]\n}',
        'path "sys/mounts" {\n  capabilities = ["read"]\n}',
      ].join("\n") + "\n",
    );
    assert.doesNotMatch(hcl, /create|update|delete|sudo|patch/);
    // The reader's own policy is unchanged by the shared renderer: data/ keeps its list.
    assert.ok(renderReaderPolicy([{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }]).includes('path "secret/data/apps/*" {\n  capabilities = ["read", "list"]\n}'));
  });
});
