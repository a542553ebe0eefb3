// KeyVaultMigration: what must fail at preview, before any write (collisions, strangers in the
// destination, oversize values, bad mapping, bad source or destination), and least privilege
// through a MigrationReader created in the same program.
import * as assert from "node:assert/strict";
import {
  destinationValues,
  expectFailure,
  leakTexts,
  migrationStack,
  newMount,
  putKv2,
  secretValue,
  startEnv,
  stopEnv,
  type MigrationEnv,
  type MigrationParams,
} from "../support/migration";
import { vaultRequest } from "../support/openbao";
import { assertNoSecrets, changes } from "../support/pulumi";

describe("KeyVaultMigration: errors at preview and least privilege (OpenBao → Key Vault double)", function () {
  let env: MigrationEnv;

  before(async () => {
    env = await startEnv();
    await newMount(env, "col", 2);
    await putKv2(env, "col", "a/x", { v: secretValue(env, "col-a") });
    await putKv2(env, "col", "b/x", { v: secretValue(env, "col-b") });
    await putKv2(env, "col", "c/y", { v: secretValue(env, "col-c") });
    await newMount(env, "pre", 2);
    await putKv2(env, "pre", "adopt/db", { v: secretValue(env, "pre-adopt") });
    await putKv2(env, "pre", "over/db", { v: secretValue(env, "pre-over") });
    await newMount(env, "big", 2);
    await putKv2(env, "big", "small", { v: secretValue(env, "big-small") });
    await putKv2(env, "big", "huge", { blob: secretValue(env, "huge") + "x".repeat(26_000) });
    await newMount(env, "lp", 2);
    await putKv2(env, "lp", "apps/a", { v: secretValue(env, "lp-a") });
    await putKv2(env, "lp", "apps/b", { v: secretValue(env, "lp-b") });
    await putKv2(env, "lp", "other/c", { v: secretValue(env, "lp-c") });
  });
  after(async () => stopEnv(env));

  /** Preview of a fresh stack must fail without any write; returns the message and output. */
  async function failsAtPreview(name: string, params: MigrationParams, destinationPrefix: string): Promise<string> {
    const t = await migrationStack(env, name, params);
    const before = await destinationValues(env.client, destinationPrefix);
    env.kv.resetCounters();
    const msg = await expectFailure(t, "preview");
    assert.equal(env.kv.counters().setSecret, 0, "nothing was written");
    assert.deepEqual(await destinationValues(env.client, destinationPrefix), before, "the vault is unchanged");
    return msg;
  }

  describe("7. errors at preview, before any write", () => {
    it("a name collision lists both source paths", async () => {
      const msg = await failsAtPreview("collision", { mount: "col", rules: [{ match: "*/x", name: "same-x" }] }, "same-x");
      assert.match(msg, /nothing was written/);
      assert.match(msg, /col\/a\/x → same-x: refuse( v\d+)?: destination name collision \(also mapped here: \[col\/b\/x\]\)/);
      assert.match(msg, /col\/b\/x → same-x: refuse( v\d+)?: destination name collision \(also mapped here: \[col\/a\/x\]\)/);
      // The whole plan is shown, not only the refusals: the secret that would be copied has its line.
      assert.match(msg, /col\/c\/y → col-c-y: create v1: new in source/);
      assert.match(msg, /plan: 1 to create, .* 2 refused/);
      // The component's own message first, without the SDK's serialization prefix.
      assert.doesNotMatch(msg, /error serializing property/);
      assert.match(msg, /^error: KeyVaultMigration m: nothing was written; 2 problem\(s\):$/m);
      assert.doesNotMatch(msg, /PromiseRejectionHandledWarning/);
    });

    it("a destination secret we did not write is refused; adopt and overwrite then succeed", async () => {
      const stranger = secretValue(env, "stranger");
      await env.client.setSecret("pre-adopt-db", stranger);
      await env.client.setSecret("pre-over-db", stranger);
      const params: MigrationParams = { mount: "pre", prefix: "adopt" };
      const msg = await failsAtPreview("adopt", params, "pre-");
      assert.match(msg, /pre\/adopt\/db → pre-adopt-db: refuse( v\d+)?: destination exists and was not created by this migration/);
      assert.equal((await env.client.getSecret("pre-adopt-db")).value, stranger);

      const adopt = await migrationStack(env, "adopt", { ...params, existing: "adopt" });
      const res = await adopt.up();
      assert.equal(res.outputs.summary.value.updated, 1);
      const adopted = await env.client.getSecret("pre-adopt-db");
      assert.notEqual(adopted.value, stranger);
      assert.equal(adopted.properties.tags?.["vault-path"], "pre/adopt/db");

      const over = await migrationStack(env, "over", { mount: "pre", prefix: "over", existing: "overwrite" });
      await over.up();
      const overwritten = await env.client.getSecret("pre-over-db");
      assert.notEqual(overwritten.value, stranger);
      assert.equal(overwritten.properties.tags?.["vault-path"], "pre/over/db");
    });

    it("an oversize value names the path and never shows the value", async () => {
      const msg = await failsAtPreview("oversize", { mount: "big" }, "big-");
      assert.match(msg, /big\/huge/);
      assert.match(msg, /25,?600|too large|limit/i);
      assert.ok(!msg.includes("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), "the value is not in the message");
      assert.equal(env.kv.counters().setSecret, 0, "big/small is not written either");
      // Both lines are shown: the refused value marked with the destination's reason, the other's copy.
      assert.match(msg, /big\/huge → big-huge: refuse v1: value refused by the destination \(/);
      assert.match(msg, /big\/small → big-small: create v1: new in source/);
    });

    it("`pulumi up --skip-preview` refuses an oversize value among valid ones with nothing written; once it is gone the re-run converges", async () => {
      // The harness's `up` is the Automation API's, which always runs `pulumi up --yes --skip-preview`:
      // the program plans without reading values, so only the provider's checks stand before the writes.
      const params: MigrationParams = { mount: "big", report: "oversize-up" };
      const t = await migrationStack(env, "oversizeup", params);
      env.kv.resetCounters();
      const msg = await expectFailure(t, "up");
      assert.match(msg, /nothing was written; 1 problem\(s\) found before the first write/, msg.slice(0, 3000));
      assert.match(msg, /big\/huge/);
      assert.match(msg, /25,?600|too large|limit/i);
      assert.ok(!msg.includes("x".repeat(64)), "the value is not in the message");
      assert.equal(env.kv.counters().setSecret, 0, "big/small is not written either");
      assert.equal((await destinationValues(env.client, "big-")).size, 0, "the vault is unchanged");
      assert.ok(!(await t.exportState()).includes("SecretMigration"), "the refused run left no migration resource in the state");

      params.exclude = ["huge"];
      const res = await t.up();
      assert.equal(res.outputs.summary.value.created, 1);
      assert.deepEqual([...(await destinationValues(env.client, "big-")).keys()], ["big-small"]);
    });

    it("a bad glob in the mapping rules", async () => {
      const msg = await failsAtPreview("badglob", { mount: "col", rules: [{ match: "apps/[abc", name: "x-{1}" }] }, "x-");
      assert.match(msg, /KeyVaultMigration: \[mapping\]/);
      assert.match(msg, /rules\[0\]\.match \[apps\/\[abc\]/);
    });

    it("a missing mount", async () => {
      const msg = await failsAtPreview("nomount", { mount: "no-such-mount" }, "no-such");
      assert.match(msg, /no-such-mount/);
      assert.match(msg, /not found|no (such )?mount|does not exist|not a KV mount|404|no handler/i, msg.slice(0, 2000));
    });

    it("a wrong Vault token: a permission error that does not print the token", async () => {
      const wrong = "hvs.wrong-token-0123456789abcdef";
      const msg = await failsAtPreview("wrongtoken", { mount: "col", vaultToken: wrong }, "col-");
      assert.match(msg, /403|permission denied/i, msg.slice(0, 2000));
      assert.ok(!msg.includes(wrong), "the token is not in the message");
    });

    it("an unreachable destination (a closed port)", async () => {
      const msg = await failsAtPreview("unreachable", { mount: "col", prefix: "a", vaultUrl: "https://127.0.0.1:1" }, "col-");
      assert.match(msg, /127\.0\.0\.1:1/);
      assert.match(msg, /ECONNREFUSED|cannot reach|connect|unreachable/i, msg.slice(0, 2000));
    });
  });

  describe("9. least privilege: the copy reads with a MigrationReader created in the same program", () => {
    const params: MigrationParams = { mount: "lp", prefix: "apps", reader: { name: "lp-reader", sources: [{ mount: "lp", kvVersion: 2, prefixes: ["apps/"] }] } };

    it("copies with the reader's connection; a prefix outside the reader's policy fails the preview naming the path", async () => {
      const t = await migrationStack(env, "reader", params);
      const res = await t.up();
      assert.equal(res.outputs.summary.value.created, 2);
      assert.deepEqual([...(await destinationValues(env.client, "lp-")).keys()].sort(), ["lp-apps-a", "lp-apps-b"]);
      assert.equal(res.outputs.readerPolicy.value, "lp-reader");
      const again = await t.up();
      assert.deepEqual(changes(again.summary.resourceChanges), {});
      // Every token the runs obtained with the reader's secret_id (the plans, the copy) was revoked when its run ended.
      assert.equal(await liveTokensOfRole(env, "lp-reader"), 0, "no reader token outlives its run");

      params.prefix = "other";
      env.kv.resetCounters();
      const msg = await expectFailure(t, "preview");
      assert.match(msg, /403|permission denied/i, msg.slice(0, 2000));
      assert.match(msg, /lp\/(metadata\/)?other/, msg.slice(0, 2000));
      assert.equal(env.kv.counters().setSecret, 0);
      assert.ok(!(await destinationValues(env.client, "lp-other")).size);
    });
  });

  // A describe, so that it runs after the other describes (mocha runs a suite's own tests first).
  describe("10. secrets never leak", () => {
    it("no seeded value (nor its SHA-256) in state exports, engine output or reports", async () => {
      assertNoSecrets(await leakTexts(env), env.seeded);
    });
  });
});

/** Live tokens issued by AppRole login to `role` (by their metadata), looked up with the root token. */
async function liveTokensOfRole(env: MigrationEnv, role: string): Promise<number> {
  const list = await vaultRequest<{ data: { keys: string[] } }>(env.bao, "LIST", "auth/token/accessors");
  let n = 0;
  for (const accessor of list?.data.keys ?? []) {
    const t = await vaultRequest<{ data: { meta?: Record<string, string> | null } }>(env.bao, "POST", "auth/token/lookup-accessor", { accessor }).catch(() => undefined);
    if (t?.data.meta?.role_name === role) n++;
  }
  return n;
}
