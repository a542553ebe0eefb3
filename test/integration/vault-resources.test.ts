// The Vault side of a migration through the real engine against a real OpenBao dev server:
// MigrationReader (policy, auth mount, AppRole, secret_id) and each resource's lifecycle.
import * as assert from "node:assert/strict";
import { MigrationReader, type ReaderAdoption } from "../../src/components/MigrationReader";
import { VaultAppRoleProvider } from "../../src/resources/VaultAppRole";
import { VaultAuthMount, VaultAuthMountProvider } from "../../src/resources/VaultAuthMount";
import { VaultPolicy, VaultPolicyProvider } from "../../src/resources/VaultPolicy";
import type { VaultConnectionArgs } from "../../src/resources/vaultResourceInputs";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, testStack, type TestStack } from "../support/pulumi";

describe("Vault resources through the real engine (OpenBao)", function () {
  let bao: OpenBaoServer;
  const conn = (token?: string): VaultConnectionArgs => ({ address: bao.address, auth: { method: "token", token: token ?? bao.rootToken } });

  before(async () => {
    bao = await startOpenBaoDev();
    await vaultRequest(bao, "POST", "secret/data/apps/billing/db", { data: { password: "s3eded-billing-pw-1" } });
    await vaultRequest(bao, "POST", "secret/data/other/x", { data: { v: "s3eded-other-value-2" } });
    await vaultRequest(bao, "POST", "kv1/apps/legacy", { token: "s3eded-legacy-token-3" });
  });
  after(async () => bao?.stop());

  describe("MigrationReader lifecycle", () => {
    let t: TestStack;
    const params = { policyExtraComment: "", tokenTtl: "1h", roleName: "migration-reader" };
    const program = async (): Promise<Record<string, unknown>> => {
      const reader = new MigrationReader("reader", {
        connection: conn(),
        roleName: params.roleName,
        policyName: "migration-reader",
        sources: [
          { mount: "secret", kvVersion: 2, prefixes: ["apps/"] },
          { mount: "kv1", kvVersion: 1, prefixes: ["apps"] },
        ],
        tokenTtl: params.tokenTtl,
      });
      if (params.policyExtraComment) {
        new VaultPolicy("extra", { connection: conn(), name: "extra", policy: `# ${params.policyExtraComment}\npath "secret/data/x" { capabilities = ["read"] }` });
      }
      return { roleId: reader.roleId, secretId: reader.secretId, accessor: reader.secretIdAccessor, roleName: reader.roleName };
    };

    before(async () => {
      t = await testStack("reader", program);
    });
    after(async () => t?.remove());

    it("creates the policy, auth mount, AppRole and secret_id", async () => {
      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), { create: 6 }); // stack, component, 4 resources
      const policy = await vaultRequest<{ data: { policy: string } }>(bao, "GET", "sys/policies/acl/migration-reader");
      assert.match(policy!.data.policy, /path "secret\/metadata\/apps\/\*"/);
      assert.match(policy!.data.policy, /path "kv1\/apps\/\*"/);
      assert.doesNotMatch(policy!.data.policy, /create|update|delete|sudo/);
      const role = await vaultRequest<{ data: { token_policies: string[]; token_ttl: number } }>(bao, "GET", "auth/approle/role/migration-reader");
      assert.deepEqual(role!.data.token_policies, ["migration-reader"]);
      assert.equal(role!.data.token_ttl, 3600);
      assert.equal(res.outputs.secretId.secret, true);
      assert.equal(res.outputs.accessor.secret, false);
    });

    it("a second up changes nothing", async () => {
      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), {});
    });

    it("the issued role_id + secret_id log in, read a KV secret and are denied a write", async () => {
      const out = await t.stack.outputs();
      const login = await vaultRequest<{ auth: { client_token: string } }>(bao, "POST", "auth/approle/login", { role_id: out.roleId.value, secret_id: out.secretId.value });
      const token = login!.auth.client_token;
      const read = await vaultRequest<{ data: { data: Record<string, string> } }>(bao, "GET", "secret/data/apps/billing/db", undefined, { token });
      assert.equal(read!.data.data.password, "s3eded-billing-pw-1");
      const v1 = await vaultRequest<{ data: Record<string, string> }>(bao, "GET", "kv1/apps/legacy", undefined, { token });
      assert.equal(v1!.data.token, "s3eded-legacy-token-3");
      await assert.rejects(vaultRequest(bao, "POST", "secret/data/apps/billing/db", { data: { password: "x" } }, { token }), /403/);
      await assert.rejects(vaultRequest(bao, "GET", "secret/data/other/x", undefined, { token }), /403/);
      const mounts = await vaultRequest<{ data: Record<string, unknown> }>(bao, "GET", "sys/mounts", undefined, { token });
      assert.ok(mounts!.data["secret/"], "the reader can read sys/mounts to detect KV versions");
    });

    it("updates in place: policy text and role TTLs", async () => {
      params.policyExtraComment = "first";
      await t.up();
      params.policyExtraComment = "second";
      params.tokenTtl = "30m";
      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), { update: 2 });
      const role = await vaultRequest<{ data: { token_ttl: number } }>(bao, "GET", "auth/approle/role/migration-reader");
      assert.equal(role!.data.token_ttl, 1800);
      const extra = await vaultRequest<{ data: { policy: string } }>(bao, "GET", "sys/policies/acl/extra");
      assert.match(extra!.data.policy, /# second/);
    });

    it("refresh notices a policy edited by hand, and up puts it back", async () => {
      await vaultRequest(bao, "PUT", "sys/policies/acl/extra", { policy: 'path "secret/data/*" { capabilities = ["read", "list"] }' });
      const refreshed = await t.refresh();
      assert.equal(refreshed.summary.resourceChanges?.update, 1, "refresh reports the edited policy");
      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), { update: 1 });
      const extra = await vaultRequest<{ data: { policy: string } }>(bao, "GET", "sys/policies/acl/extra");
      assert.match(extra!.data.policy, /# second/);
    });

    it("a role name change replaces the AppRole (and its secret_id)", async () => {
      const before = await t.stack.outputs();
      params.roleName = "migration-reader-2";
      const res = await t.up();
      assert.equal(res.summary.resourceChanges?.replace, 2);
      assert.equal(await vaultRequest(bao, "GET", "auth/approle/role/migration-reader").catch(() => undefined), undefined);
      assert.ok(await vaultRequest(bao, "GET", "auth/approle/role/migration-reader-2"));
      const after = await t.stack.outputs();
      assert.notEqual(after.accessor.value, before.accessor.value);
    });

    it("never shows the secret_id in state or engine output", async () => {
      const out = await t.stack.outputs();
      assertNoSecrets({ state: await t.exportState(), output: t.output.join("") }, [out.secretId.value as string, bao.rootToken]);
    });

    it("destroy removes everything it created", async () => {
      await t.destroy();
      assert.equal(await vaultRequest(bao, "GET", "sys/policies/acl/migration-reader").catch(() => undefined), undefined);
      assert.equal(await vaultRequest(bao, "GET", "sys/policies/acl/extra").catch(() => undefined), undefined);
      const auth = await vaultRequest<{ data: Record<string, unknown> }>(bao, "GET", "sys/auth");
      assert.equal(auth!.data["approle/"], undefined);
    });
  });

  describe("objects of the same name the stack did not create", () => {
    // Made outside the stack, as another team would have: a policy, an AppRole mount and a role on it.
    const foreignPolicy = 'path "secret/data/theirs" { capabilities = ["read"] }';
    let t: TestStack;
    const params: { adopt: ReaderAdoption; extra: boolean } = { adopt: {}, extra: false };
    const program = async (): Promise<Record<string, unknown>> => {
      const reader = new MigrationReader("pre", {
        connection: conn(),
        policyName: "pre-policy",
        roleName: "pre-role",
        authMountPath: "pre-approle",
        sources: [{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }],
        adopt: params.adopt,
      });
      // Adoption allowed but nothing there: created by the stack, so destroyed with it.
      if (params.extra) new VaultPolicy("fresh", { connection: conn(), name: "pre-fresh", policy: 'path "a" { capabilities = ["read"] }', adopt: true });
      return { roleId: reader.roleId };
    };
    const policyText = async (name: string): Promise<string | undefined> => (await vaultRequest<{ data: { policy: string } }>(bao, "GET", `sys/policies/acl/${name}`).catch(() => undefined))?.data.policy;
    const roleOf = async (): Promise<{ token_policies: string[] } | undefined> => (await vaultRequest<{ data: { token_policies: string[] } }>(bao, "GET", "auth/pre-approle/role/pre-role").catch(() => undefined))?.data;

    before(async () => {
      await vaultRequest(bao, "PUT", "sys/policies/acl/pre-policy", { policy: foreignPolicy });
      await vaultRequest(bao, "POST", "sys/auth/pre-approle", { type: "approle" });
      await vaultRequest(bao, "POST", "auth/pre-approle/role/pre-role", { token_policies: ["theirs"] });
      t = await testStack("pre", program);
    });
    after(async () => t?.remove());

    it("each provider's create refuses an existing object before any write, naming it and the config key", async () => {
      const props = { endpoint: { address: bao.address }, auth: { method: "token" as const, token: bao.rootToken } };
      await assert.rejects(new VaultPolicyProvider().create({ ...props, name: "pre-policy", policy: 'path "x" { capabilities = ["read"] }', adopt: false }), /Vault policy "pre-policy" already exists and was not created by this stack: set \[adopt\] true \(stack config: vault-migration:reader\.adopt\.policy\)/);
      await assert.rejects(new VaultAuthMountProvider().create({ ...props, path: "pre-approle", type: "approle", description: "changed", adopt: false }), /auth mount "pre-approle" already exists .*vault-migration:reader\.adopt\.authMount/);
      const role = { ...props, mount: "pre-approle", roleName: "pre-role", tokenPolicies: ["pre-policy"], tokenTtl: 60, tokenMaxTtl: 120, secretIdTtl: 60, secretIdNumUses: 0, bindSecretId: true, secretIdBoundCidrs: [], tokenBoundCidrs: [], adopt: false };
      await assert.rejects(new VaultAppRoleProvider().create(role), /AppRole "pre-role" at auth\/pre-approle already exists .*vault-migration:reader\.adopt\.role/);
      assert.equal(await policyText("pre-policy"), foreignPolicy, "the policy is untouched");
      assert.deepEqual((await roleOf())?.token_policies, ["theirs"], "the role is untouched");
    });

    it("preview refuses each of the three, naming its config key, and nothing is written", async () => {
      // The engine stops at the first refusal: adopt what each preview names, until all three were.
      const keys = { policy: "reader.adopt.policy", role: "reader.adopt.role", authMount: "reader.adopt.authMount" } as const;
      const named: string[] = [];
      for (let i = 0; i < 3; i++) {
        const text = await t.preview().then(
          () => assert.fail(`preview passed with adopt ${JSON.stringify(params.adopt)}`),
          (e: unknown) => `${(e as Error).message}\n${t.output.join("")}`,
        );
        const hit = (Object.keys(keys) as (keyof typeof keys)[]).find((k) => !params.adopt[k] && text.includes(`vault-migration:${keys[k]})`));
        assert.ok(hit, `the refusal names a key not yet adopted: ${text}`);
        assert.match(text, /already exists and was not created by this stack/);
        named.push(hit);
        params.adopt = { ...params.adopt, [hit]: true };
      }
      assert.deepEqual(named.sort(), ["authMount", "policy", "role"]);
      assert.equal(await policyText("pre-policy"), foreignPolicy);
      assert.deepEqual((await roleOf())?.token_policies, ["theirs"]);
    });

    it("adopted explicitly, up takes them over and marks them adopted; a stack-created one is not", async () => {
      params.adopt = { policy: true, role: true, authMount: true };
      params.extra = true;
      await t.up();
      assert.match((await policyText("pre-policy")) ?? "", /path "secret\/metadata\/apps\/\*"/, "our policy text replaced theirs");
      assert.deepEqual((await roleOf())?.token_policies, ["pre-policy"]);
      assert.ok(await policyText("pre-fresh"));
      const state = JSON.parse(await t.exportState()) as { deployment: { resources: { urn: string; outputs?: { adopted?: boolean } }[] } };
      const adopted = (suffix: string): boolean | undefined => state.deployment.resources.find((r) => r.urn.endsWith(suffix))?.outputs?.adopted;
      assert.deepEqual([adopted("::pre-policy"), adopted("::pre-approle"), adopted("::pre-role"), adopted("::fresh")], [true, true, true, false]);
    });

    it("destroy leaves the adopted objects in place, says so, and deletes what the stack created", async () => {
      await t.destroy();
      assert.ok(await policyText("pre-policy"), "adopted policy kept");
      assert.ok(await roleOf(), "adopted role kept");
      const auth = await vaultRequest<{ data: Record<string, unknown> }>(bao, "GET", "sys/auth");
      assert.ok(auth!.data["pre-approle/"], "adopted mount kept");
      assert.equal(await policyText("pre-fresh"), undefined, "the stack's own policy is deleted");
      assert.match(t.output.join(""), /Vault policy "pre-policy" was adopted .* left in place/);
    });
  });

  describe("bad input fails clearly and writes nothing", () => {
    const policies = async (): Promise<string[]> => (await vaultRequest<{ data: { keys: string[] } }>(bao, "GET", "sys/policies/acl?list=true"))!.data.keys;

    async function failingUp(program: () => void | Promise<void>, op: "preview" | "up" = "up"): Promise<string> {
      const t = await testStack("bad", async () => {
        await program();
      });
      try {
        await (op === "preview" ? t.preview() : t.up());
        assert.fail("expected the run to fail");
      } catch (e) {
        return `${(e as Error).message}\n${t.output.join("")}`;
      } finally {
        await t.remove();
      }
    }

    it("an empty policy name and a built-in one fail at preview", async () => {
      const before = await policies();
      const empty = await failingUp(() => {
        new VaultPolicy("p", { connection: conn(), name: "", policy: 'path "a" { capabilities = ["read"] }' });
      }, "preview");
      assert.match(empty, /\[name\] must not be empty/);
      const root = await failingUp(() => {
        new VaultPolicy("q", { connection: conn(), name: "root", policy: 'path "a" { capabilities = ["read"] }' });
      }, "preview");
      assert.match(root, /"root" is a built-in Vault policy/);
      assert.deepEqual(await policies(), before);
    });

    it("an unknown auth mount type is refused by the server with a clear error", async () => {
      const msg = await failingUp(() => {
        new VaultAuthMount("m", { connection: conn(), path: "nope", type: "no-such-method" });
      });
      assert.match(msg, /Vault PUT sys\/auth\/nope failed with 400/);
      const auth = await vaultRequest<{ data: Record<string, unknown> }>(bao, "GET", "sys/auth");
      assert.equal(auth!.data["nope/"], undefined);
    });

    it("malformed HCL is rejected and no policy is written", async () => {
      const msg = await failingUp(() => {
        new VaultPolicy("p", { connection: conn(), name: "broken", policy: 'path "secret/*" { capabilities = ["read" ' });
      });
      assert.match(msg, /sys\/policies\/acl\/broken failed with 400/);
      assert.ok(!(await policies()).includes("broken"));
    });

    it("a wrong token is a clear permission error that does not print the token", async () => {
      const wrong = "hvs-wrong-token-value-0123456789";
      const msg = await failingUp(() => {
        new VaultPolicy("p", { connection: conn(wrong), name: "wrongtoken", policy: 'path "a" { capabilities = ["read"] }' });
      });
      assert.match(msg, /failed with 403: permission denied/);
      assert.ok(!msg.includes(wrong));
      assert.ok(!(await policies()).includes("wrongtoken"));
    });

    it("an unreachable server is a clear connection error", async () => {
      const msg = await failingUp(() => {
        new VaultPolicy("p", { connection: { address: "http://127.0.0.1:1", auth: { method: "token", token: "t0ken-not-used-123" } }, name: "x", policy: 'path "a" { capabilities = ["read"] }' });
      });
      assert.match(msg, /cannot reach Vault at http:\/\/127\.0\.0\.1:1/);
    });
  });
});

