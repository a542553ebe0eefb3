// Issue #24: `.`, `..` and empty segments in mounts and prefixes are refused before anything is
// sent — at every layer that takes such a path, and last of all in the Vault client itself, since
// the URL parser resolves `secret/../sys/policy/default` to `sys/policy/default`.
import * as assert from "node:assert/strict";
import { isClientError } from "../../../src/clients/http/errors";
import { validateVaultConnection } from "../../../src/clients/vault/connection";
import { readKvSecret } from "../../../src/clients/vault/kv";
import { normalizeMount } from "../../../src/clients/vault/kvMounts";
import { validateMigrationArgs, type MigrationCommonArgs } from "../../../src/components/migrationArgs";
import { validateMigrationReaderArgs } from "../../../src/components/MigrationReader";
import { configuredPathProblem } from "../../../src/engine/paths";
import { vaultDriver } from "../../../src/migration/destinations/vault/driver";
import { vaultKvNaming } from "../../../src/migration/destinations/vault/naming";
import { readStackSettings } from "../../../src/program/stackConfig";
import { mockVault } from "../clients/support";

const ESCAPES = ["../sys/policy/default", "secret/..", "apps/./x", "a//b", "%2e%2e/sys", "apps/%2E"];
const connection = { address: "https://vault.example.com", auth: { method: "token" as const, token: "t" } };
const args = (source: MigrationCommonArgs["source"]): MigrationCommonArgs => ({ source, fingerprintKey: "k".repeat(32) });
const thrown = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
};

describe("bad input: path segments", () => {
  it("the engine check accepts clean paths with leading/trailing slashes, and refuses every escape", () => {
    for (const ok of ["secret", "/team/kv/", "apps/", "apps/web", "a.b/c..d/..e"]) assert.equal(configuredPathProblem(ok, true), undefined, ok);
    assert.equal(configuredPathProblem("", false), undefined);
    assert.equal(configuredPathProblem("/", true), "is required");
    for (const bad of ESCAPES) assert.match(configuredPathProblem(bad, true) ?? "", /without empty, '\.' or '\.\.' segments/, bad);
  });

  it("a migration's source.mount and source.prefix are refused, naming the key", () => {
    for (const bad of ESCAPES) {
      assert.match(thrown(() => validateMigrationArgs("M", "s/m", args({ connection, mount: bad }), vaultKvNaming)), /\[source\.mount\] must be a path without empty/, bad);
      assert.match(thrown(() => validateMigrationArgs("M", "s/m", args({ connection, mount: "secret", prefix: bad }), vaultKvNaming)), /\[source\.prefix\] must be a path without empty/, bad);
    }
    assert.equal(thrown(() => validateMigrationArgs("M", "s/m", args({ connection, mount: "secret", prefix: "apps/" }), vaultKvNaming)), "");
  });

  it("a Vault destination's mount and prefix are refused by the driver", () => {
    for (const bad of ESCAPES) {
      const m = vaultDriver.validateSpec({ kind: "vault", address: "https://b.example.com", mount: bad }, "destination");
      assert.ok(m.some((p) => p.startsWith("[destination.mount] must be a path without empty")), `${bad}: ${m.join("; ")}`);
      const p = vaultDriver.validateSpec({ kind: "vault", address: "https://b.example.com", mount: "secret", prefix: bad }, "destination");
      assert.ok(p.some((x) => x.startsWith("[destination.prefix] must be a path without empty")), `${bad}: ${p.join("; ")}`);
    }
    assert.deepEqual(vaultDriver.validateSpec({ kind: "vault", address: "https://b.example.com", mount: "secret", prefix: "migrated/" }, "destination"), []);
  });

  it("an AppRole auth mount is refused in a connection, the reader component and the stack config", () => {
    const approle = { method: "approle" as const, roleId: "r", secretId: "s", mount: "../sys" };
    assert.ok(validateVaultConnection({ address: "https://v.example.com", auth: approle }).some((p) => p.startsWith("[connection.auth.mount] must be a path without empty")));
    assert.match(thrown(() => validateMigrationReaderArgs({ connection, sources: [{ mount: "secret", kvVersion: 2 }], authMountPath: "approle/../../sys" })), /\[authMountPath\] must be a path without empty/);
    assert.match(thrown(() => validateMigrationReaderArgs({ connection, sources: [{ mount: "secret/../sys", kvVersion: 2, prefixes: ["apps//x"] }] })), /\[sources\[0\]\.mount\] must be a path without empty.*\[sources\[0\]\.prefixes\] must be a path without empty/);
    const stack = thrown(() =>
      readStackSettings({
        vault: { address: "https://v.example.com" },
        vaultToken: "t",
        env: {},
        reader: { name: "r", authMountPath: "..", sources: [{ mount: "./secret", kvVersion: 2, prefixes: ["ok/", "../x"] }] },
      }),
    );
    assert.match(stack, /\[vault-migration:reader\.authMountPath\] must be a path without empty/);
    assert.match(stack, /\[vault-migration:reader\.sources\[0\]\.mount\] must be a path without empty/);
    assert.match(stack, /\[vault-migration:reader\.sources\[0\]\.prefixes\[1\]\] must be a path without empty/);
    assert.doesNotMatch(stack, /prefixes\[0\]/);
  });

  it("the Vault client never sends a path with a '.', '..' or empty segment (no request leaves)", async () => {
    const { agent, client } = mockVault();
    // No interceptor: a request that left would fail with a MockAgent error, not invalid_path.
    for (const path of ["secret/../sys/policy/default", "sys/./policy", "secret//data/x", "secret/%2e%2e/sys/policy/default"]) {
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isClientError(e, "invalid_path"), `${path}: ${String(e)}`);
      assert.equal(e.retryable, false);
      assert.match(e.message, /refused before sending/);
    }
    const listed = await client.list("secret/metadata/../../sys").then(() => undefined, (err: unknown) => err);
    assert.ok(isClientError(listed, "invalid_path"), String(listed));
    const viaKv = await readKvSecret(client, "secret/..", 2, "x").then(() => undefined, (err: unknown) => err);
    assert.ok(isClientError(viaKv, "invalid_path"), String(viaKv));
    assert.throws(() => normalizeMount("team/../sys"), (e: unknown) => isClientError(e, "invalid_path"));
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
});
