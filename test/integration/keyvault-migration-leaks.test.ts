// Leak scan of failing runs through the real engine (OpenBao → Key Vault double): values of every
// shape (a multi-line PEM key, a multi-key secret written as JSON, a value shorter than the
// redaction minimum, unicode) meet writes whose answer echoes the request, writes whose answer is
// cut short (the SDK's parse error quotes the body, value included) and a refresh whose reads come
// back cut short. No value, no line of one, no encoded form and no SHA-256 of one may show up in
// the state export, the engine's output, the reports or the error text.
import * as assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { expectFailure, leakTexts, migrationStack, newMount, putKv2, readReport, reportBase, secretValue, startEnv, stopEnv, type MigrationEnv } from "../support/migration";
import { assertNoSecrets } from "../support/pulumi";

/** Under the redaction minimum (4), and of characters no base64, hex or ciphertext in the state can hold. */
const SHORT = "ø§ü";

describe("KeyVaultMigration: no value leaks from failing writes and a failing refresh (OpenBao → Key Vault double)", function () {
  let env: MigrationEnv;
  const needles: string[] = [];
  const errors: string[] = [];

  /** A value searched for at the end, with each of its lines (a message cut at a line break keeps one). */
  function seed(value: string): string {
    env.seeded.push(value);
    for (const line of value.split("\n")) if (line.length >= 8 && !line.startsWith("-----")) needles.push(line);
    return value;
  }

  before(async () => {
    env = await startEnv();
    await newMount(env, "leak", 2);
    const body = Array.from({ length: 4 }, () => randomBytes(36).toString("base64"));
    const pem = seed(["-----BEGIN PRIVATE KEY-----", ...body, "-----END PRIVATE KEY-----"].join("\n"));
    await putKv2(env, "leak", "tls/key", { pem });
    // Two keys: written as one JSON value, which the answers then quote JSON-escaped.
    await putKv2(env, "leak", "db/creds", { user: secretValue(env, "db-user"), password: seed(`p"w\\${randomBytes(6).toString("hex")}/ü`) });
    await putKv2(env, "leak", "tiny/pin", { pin: SHORT });
    await putKv2(env, "leak", "intl/word", { word: seed(`пароль-密码-🔑-${randomBytes(4).toString("hex")}`) });
  });
  after(async () => stopEnv(env));

  it("writes answered with an echo or a cut-short body, then a refresh whose reads are cut short, fail without a trace of any value", async function () {
    const t = await migrationStack(env, "leaks", { mount: "leak", report: "leaks" });

    // 1. Every write answered 400 with the request body echoed back: nothing lands.
    env.kv.setFaults({ rate: 1, kinds: ["echo"], operations: ["setSecret"] });
    errors.push(await expectFailure(t, "up"));
    const echoed = readReport(reportBase(env, "leaks"));

    // 2. Every write lands but its answer (the SecretBundle, value included) is cut short.
    env.kv.setFaults({ rate: 1, kinds: ["malformed"], operations: ["setSecret"] });
    errors.push(await expectFailure(t, "up"));
    const cut = readReport(reportBase(env, "leaks"));

    // 3. Without faults the run completes; then a refresh whose reads come back cut short fails.
    env.kv.clearFaults();
    await t.up();
    env.kv.setFaults({ rate: 1, kinds: ["malformed"], operations: ["getSecret"] });
    const refreshed = await t.refresh().then(
      () => assert.fail("the refresh should fail"),
      (e: unknown) => (e as Error).message,
    );
    errors.push(refreshed);
    env.kv.clearFaults();

    const texts = { ...(await leakTexts(env)), "error texts": errors.join("\n") };
    assertNoSecrets(texts, [...env.seeded, ...needles]);
    // Each value's JSON-escaped and URL-encoded forms, and the short value with its SHA-256 forms
    // (assertNoSecrets wants values long enough to search for; this one is safe to search by its characters).
    for (const v of env.seeded) {
      for (const form of [JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]) {
        for (const [where, text] of Object.entries(texts)) assert.ok(!text.includes(form), `an encoded seeded value appears in ${where}`);
      }
    }
    const h = createHash("sha256").update(SHORT).digest();
    for (const n of [SHORT, encodeURIComponent(SHORT), h.toString("hex"), h.toString("base64")]) {
      for (const [where, text] of Object.entries(texts)) assert.ok(!text.includes(n), `the short value (${n === SHORT ? "raw" : "a form"}) appears in ${where}`);
    }

    // The failures were the ones meant, each named by its safe fields (checked after the scan, so
    // a leak is what fails first).
    assert.equal(echoed.counts.failed, 4, JSON.stringify(echoed.items));
    for (const i of echoed.items) assert.match(i.error ?? "", /setSecret on secret '[^']+' failed \(400 Error\)/);
    assert.ok(cut.counts.failed >= 1, JSON.stringify(cut.items));
    for (const i of cut.items.filter((x) => x.result === "failed")) assert.match(i.error ?? "", /failed \(200 PARSE_ERROR\): the response body is not valid JSON/);
    assert.match(refreshed, /getSecret on secret '[^']+' failed \(200 PARSE_ERROR\)/);
  });
});
