/**
 * Fidelity tests of the Key Vault double, driven through the real @azure/keyvault-secrets SDK
 * (raw HTTPS only where the SDK cannot make the request or hides the wire form). Each title names
 * the section of shared/keyvault-api.md it pins; "choice:" marks behaviour the sheet leaves unverified.
 */
import assert from "node:assert/strict";
import { SecretClient } from "@azure/keyvault-secrets";
import { doubleSecretClient, startKeyVaultDouble, staticTokenCredential, type KeyVaultDouble } from "../doubles/keyvault";
import { innerErrorCode, rawRequest, restErrorOf } from "../doubles/keyvault/raw";

const API = "api-version=2025-07-01";
const TENANT = "11111111-2222-4333-8444-555555555555";
const POLL = { intervalInMs: 50 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

describe("KeyVaultDouble (fact sheet shared/keyvault-api.md)", () => {
  let kv: KeyVaultDouble;
  let client: SecretClient;

  before(async () => {
    kv = await startKeyVaultDouble({ deleteDelayMs: 200, recoverDelayMs: 200, tenantId: TENANT });
    client = doubleSecretClient(kv);
  });
  after(() => kv.stop());

  describe("TLS and authentication", () => {
    it("§9 serves HTTPS under a per-run CA (SAN localhost and 127.0.0.1): trusted with tlsOptions.ca, refused without", async () => {
      assert.match(kv.vaultUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await rawRequest(kv, "GET", `/secrets?${API}`)).status, 401);
      const viaLocalhost = { vaultUrl: kv.vaultUrl.replace("127.0.0.1", "localhost"), caCertPem: kv.caCertPem };
      assert.equal((await rawRequest(viaLocalhost, "GET", `/secrets?${API}`)).status, 401);
      await assert.rejects(rawRequest(kv, "GET", `/secrets?${API}`, { ca: null }), /certificate|UNABLE_TO_VERIFY/i);

      const untrusting = new SecretClient(kv.vaultUrl, staticTokenCredential(kv.issueToken()), {
        disableChallengeResourceVerification: true,
        retryOptions: { maxRetries: 0 },
      });
      await assert.rejects(untrusting.getSecret("anything"), /certificate|UNABLE_TO_VERIFY/i);
    });

    it("§5 first request gets the 401 challenge with the exact WWW-Authenticate header and error body", async () => {
      for (const [method, path] of [["GET", `/secrets?${API}`], ["PUT", `/secrets/challenged?${API}`]] as const) {
        const res = await rawRequest(kv, method, path, method === "PUT" ? { body: "" } : {});
        assert.equal(res.status, 401);
        assert.equal(
          res.headers["www-authenticate"],
          `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`,
        );
        assert.deepEqual(JSON.parse(res.text), {
          error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token." },
        });
      }
    });

    it("§5 the SDK answers the challenge, and the value of its first (bodyless) PUT is not lost", async () => {
      const fresh = doubleSecretClient(kv);
      kv.resetCounters();
      await fresh.setSecret("first-put", "value-of-the-first-put");
      const counts = kv.counters();
      assert.equal(counts.unauthenticated, 1, "exactly one challenge round trip");
      assert.equal(counts.setSecret, 1, "the bodyless challenge request is not counted as a write");
      assert.equal((await fresh.getSecret("first-put")).value, "value-of-the-first-put");
    });

    it("§5 an unknown or revoked token gets 401 (with the challenge header)", async () => {
      const stranger = doubleSecretClient(kv, { token: "not-a-token-of-this-double" });
      const e = await restErrorOf(stranger.getSecret("first-put"));
      assert.equal(e.statusCode, 401);
      assert.equal(e.code, "Unauthorized");

      const token = kv.issueToken(["read"]);
      const holder = doubleSecretClient(kv, { token });
      await holder.getSecret("first-put");
      kv.revokeToken(token);
      assert.equal((await restErrorOf(holder.getSecret("first-put"))).statusCode, 401);
      const raw = await rawRequest(kv, "GET", `/secrets?${API}`, { token });
      assert.equal(raw.status, 401);
      assert.ok(raw.headers["www-authenticate"]);
    });

    it("§3 a caller without the needed right gets 403 ForbiddenByRbac (rights: read, write, delete, recover, purge, backup, restore)", async () => {
      await client.setSecret("rbac-secret", "v");
      const reader = doubleSecretClient(kv, { rights: ["read"] });
      assert.equal((await reader.getSecret("rbac-secret")).value, "v");
      assert.equal((await collect(reader.listPropertiesOfSecrets())).length > 0, true);

      const denied = await restErrorOf(reader.setSecret("rbac-secret", "w"));
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.code, "Forbidden");
      assert.equal(innerErrorCode(denied), "ForbiddenByRbac");
      assert.match(denied.message, /^Caller is not authorized to perform action on resource\./);
      assert.match(denied.message, /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/setSecret\/action'/);
      assert.match(denied.message, /Resource: '.*\/secrets\/rbac-secret'/);

      const writer = doubleSecretClient(kv, { rights: ["write"] });
      await writer.setSecret("rbac-secret", "w");
      assert.equal((await restErrorOf(writer.getSecret("rbac-secret"))).statusCode, 403);
      assert.equal((await restErrorOf(collect(writer.listPropertiesOfSecrets()))).statusCode, 403);
      assert.equal((await restErrorOf(writer.beginDeleteSecret("rbac-secret", POLL))).statusCode, 403);
      assert.equal((await restErrorOf(writer.backupSecret("rbac-secret"))).statusCode, 403);
      assert.equal((await restErrorOf(writer.purgeDeletedSecret("rbac-secret"))).statusCode, 403);
      assert.equal((await restErrorOf(writer.restoreSecretBackup(new Uint8Array([1])))).statusCode, 403);
      assert.equal((await client.getSecret("rbac-secret")).value, "w");
    });
  });

  describe("secrets", () => {
    it("§2 setSecret and getSecret: latest via /secrets/{n}/ or a given version; ids carry host:port and a 32-hex version", async () => {
      const one = await client.setSecret("alpha", "one", { contentType: "text/plain", tags: { env: "test" } });
      const two = await client.setSecret("alpha", "two");
      const idPattern = new RegExp(`^${kv.vaultUrl.replace(/\./g, "\\.")}/secrets/alpha/[0-9a-f]{32}$`);
      assert.match(one.properties.id ?? "", idPattern);
      assert.match(two.properties.id ?? "", idPattern);
      assert.notEqual(one.properties.version, two.properties.version);
      assert.equal(two.properties.vaultUrl, kv.vaultUrl);
      assert.equal(one.value, "one");

      const latest = await client.getSecret("alpha");
      assert.equal(latest.value, "two");
      assert.equal(latest.properties.version, two.properties.version);
      assert.equal(latest.properties.tags, undefined, "a new version does not inherit the previous one's tags");
      const first = await client.getSecret("alpha", { version: one.properties.version ?? "" });
      assert.equal(first.value, "one");
      assert.equal(first.properties.contentType, "text/plain");
      assert.deepEqual(first.properties.tags, { env: "test" });
      assert.equal(first.properties.enabled, true);
      assert.equal(first.properties.recoveryLevel, "Recoverable+Purgeable");
      assert.equal(first.properties.recoverableDays, 90);
      assert.ok(first.properties.createdOn instanceof Date);

      const wire = JSON.parse((await rawRequest(kv, "GET", `/secrets/alpha/?${API}`, { token: kv.issueToken() })).text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(wire), ["value", "id", "attributes"], "absent fields are omitted, value first");
    });

    it("§4 names are case-insensitive; ids keep the first-given case", async () => {
      await client.setSecret("MixedCase", "a");
      const second = await client.setSecret("MIXEDCASE", "b");
      assert.equal(second.name, "MixedCase");
      const got = await client.getSecret("mixedcase");
      assert.equal(got.value, "b");
      assert.match(got.properties.id ?? "", /\/secrets\/MixedCase\/[0-9a-f]{32}$/);
      assert.equal((await collect(client.listPropertiesOfSecretVersions("mIxEdCaSe"))).length, 2);
    });

    it("§2 updateSecretProperties (PATCH) keeps the version, bumps updated and replies without the value", async () => {
      const made = await client.setSecret("patched", "unchanged", { tags: { a: "1" } });
      await sleep(1_100); // `updated` has whole-second resolution
      const props = await client.updateSecretProperties("patched", made.properties.version ?? "", {
        contentType: "application/json",
        tags: { b: "2" },
      });
      assert.equal(props.version, made.properties.version);
      assert.ok((props.updatedOn?.getTime() ?? 0) > (made.properties.updatedOn?.getTime() ?? 0));
      assert.equal(props.createdOn?.getTime(), made.properties.createdOn?.getTime());
      assert.deepEqual(props.tags, { b: "2" }, "tags are replaced, not merged");

      // Empty version = latest (the SDK sends PATCH /secrets/{n}/); the wire reply has no value.
      const res = await rawRequest(kv, "PATCH", `/secrets/patched/?${API}`, { token: kv.issueToken(), body: JSON.stringify({ attributes: {} }) });
      assert.equal(res.status, 200);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      assert.equal("value" in body, false);
      assert.equal(body.contentType, "application/json");
      assert.equal((await client.getSecret("patched")).value, "unchanged");
    });

    it("§3 GET of a disabled secret is 403 SecretDisabled; it stays listed and can be re-enabled", async () => {
      const made = await client.setSecret("switched-off", "v", { enabled: false });
      const e = await restErrorOf(client.getSecret("switched-off"));
      assert.equal(e.statusCode, 403);
      assert.equal(e.code, "Forbidden");
      assert.equal(innerErrorCode(e), "SecretDisabled");
      assert.equal(e.message, "Operation get is not allowed on a disabled secret.");
      const listed = (await collect(client.listPropertiesOfSecrets())).find((p) => p.name === "switched-off");
      assert.equal(listed?.enabled, false);
      await client.updateSecretProperties("switched-off", made.properties.version ?? "", { enabled: true });
      assert.equal((await client.getSecret("switched-off")).value, "v");
    });

    it("§2 listPropertiesOfSecretVersions: every version, ids with versions, sorted by version id; an unknown name lists nothing", async () => {
      const made: string[] = [];
      for (let i = 0; i < 4; i++) made.push((await client.setSecret("versioned", `v${i}`)).properties.version ?? "");
      const listed = await collect(client.listPropertiesOfSecretVersions("versioned"));
      assert.deepEqual(listed.map((p) => p.version), [...made].sort());
      for (const p of listed) assert.match(p.id ?? "", /\/secrets\/versioned\/[0-9a-f]{32}$/);
      assert.deepEqual(await collect(client.listPropertiesOfSecretVersions("never-existed")), []);
    });
  });

  describe("paging", () => {
    let paged: KeyVaultDouble;
    let pclient: SecretClient;
    const names = Array.from({ length: 30 }, (_, i) => `page-${String(i).padStart(2, "0")}`);

    before(async () => {
      paged = await startKeyVaultDouble();
      pclient = doubleSecretClient(paged);
      await Promise.all([...names].reverse().map((n) => pclient.setSecret(n, `value-${n}`)));
    });
    after(() => paged.stop());

    it("§2 listPropertiesOfSecrets pages through more than 25 secrets, sorted by name, without values", async () => {
      paged.resetCounters();
      const listed = await collect(pclient.listPropertiesOfSecrets());
      assert.deepEqual(listed.map((p) => p.name), names);
      for (const p of listed) assert.match(p.id ?? "", /\/secrets\/page-\d\d$/, "list ids carry no version");
      assert.equal(paged.counters().listSecrets, 3, "25 + 5 + the final empty page");
    });

    it("§2 byPage({maxPageSize: 5}) sends maxresults and follows the $skiptoken nextLinks", async () => {
      paged.resetCounters();
      const pages: string[][] = [];
      for await (const page of pclient.listPropertiesOfSecrets().byPage({ maxPageSize: 5 })) pages.push(page.map((p) => p.name));
      const nonEmpty = pages.filter((p) => p.length > 0);
      assert.equal(nonEmpty.length, 6);
      for (const p of nonEmpty) assert.equal(p.length, 5);
      assert.deepEqual(pages.flat(), names);
      assert.equal(paged.counters().listSecrets, 7);
    });

    it("§2 §1 nextLink is absolute, keeps api-version and maxresults; the last page is {\"value\":[],\"nextLink\":null}", async () => {
      const token = paged.issueToken(["read"]);
      const first = JSON.parse((await rawRequest(paged, "GET", "/secrets?api-version=7.5&maxresults=25", { token })).text) as {
        value: Record<string, unknown>[];
        nextLink: string;
      };
      assert.equal(first.value.length, 25);
      for (const item of first.value) assert.equal("value" in item, false);
      assert.ok(first.nextLink.startsWith(`${paged.vaultUrl}/secrets?api-version=7.5&$skiptoken=`), first.nextLink);
      assert.match(first.nextLink, /&maxresults=25$/);
      const second = JSON.parse((await rawRequest(paged, "GET", first.nextLink, { token })).text) as { value: unknown[]; nextLink: string };
      assert.equal(second.value.length, 5);
      const last = await rawRequest(paged, "GET", second.nextLink, { token });
      assert.equal(last.text, '{"value":[],"nextLink":null}');
    });

    it("§2 maxresults outside 1–25 is 400 BadParameter (choice: rejected, not clamped)", async () => {
      const token = paged.issueToken(["read"]);
      for (const m of ["0", "26", "x"]) {
        const res = await rawRequest(paged, "GET", `/secrets?${API}&maxresults=${m}`, { token });
        assert.equal(res.status, 400, m);
        assert.equal((JSON.parse(res.text) as { error: { code: string } }).error.code, "BadParameter");
      }
    });
  });

  describe("soft delete, recover, purge, backup", () => {
    describe("while a delete or recover is in progress (delays of 1 s, so the checks cannot race them)", () => {
      let lagging: KeyVaultDouble;
      let slow: SecretClient;
      before(async () => {
        lagging = await startKeyVaultDouble({ deleteDelayMs: 1_000, recoverDelayMs: 1_000 });
        slow = doubleSecretClient(lagging);
      });
      after(() => lagging.stop());

      it("§6 while a delete is in progress GET /secrets/{n}/ and /deletedsecrets/{n} are 404; the SDK's delete poller completes", async () => {
        await slow.setSecret("doomed", "v");
        const poller = await slow.beginDeleteSecret("doomed", POLL);
        const live = await restErrorOf(slow.getSecret("doomed"));
        assert.equal(live.statusCode, 404);
        assert.equal(live.code, "SecretNotFound");
        const pending = await restErrorOf(slow.getDeletedSecret("doomed"));
        assert.equal(pending.statusCode, 404);
        assert.equal(pending.message, "Deleted Secret not found: doomed");
        const deleted = await poller.pollUntilDone();
        assert.equal(deleted.name, "doomed");
        assert.equal(deleted.properties.recoveryId, `${lagging.vaultUrl}/deletedsecrets/doomed`);
        assert.equal((await slow.getDeletedSecret("doomed")).name, "doomed");
        assert.equal((await restErrorOf(slow.getSecret("doomed"))).statusCode, 404);
      });

      it("§3 during the delete, PUT is 409 ObjectIsBeingDeleted and purge is 409 'Secret is currently being deleted.'", async () => {
        await slow.setSecret("racing", "v");
        const poller = await slow.beginDeleteSecret("racing", POLL);
        const put = await restErrorOf(slow.setSecret("racing", "again"));
        assert.equal(put.statusCode, 409);
        assert.equal(put.code, "Conflict");
        assert.equal(innerErrorCode(put), "ObjectIsBeingDeleted");
        assert.equal(put.message, "Secret racing is currently being deleted and cannot be re-created; retry later.");
        const purge = await restErrorOf(slow.purgeDeletedSecret("racing"));
        assert.equal(purge.statusCode, 409);
        assert.equal(purge.message, "Secret is currently being deleted.");
        // Choice (unverified): recover during the delete is 409 too, so a client waits instead of giving up.
        assert.equal((await restErrorOf(slow.beginRecoverDeletedSecret("racing", POLL))).statusCode, 409);
        await poller.pollUntilDone();
      });

      it("§6 recover: GET stays 404 for the recover delay, the SDK's poller completes, same version id and created come back", async () => {
        const made = await slow.setSecret("phoenix", "ashes", { tags: { t: "1" } });
        await (await slow.beginDeleteSecret("phoenix", POLL)).pollUntilDone();
        const poller = await slow.beginRecoverDeletedSecret("phoenix", POLL);
        assert.equal((await restErrorOf(slow.getSecret("phoenix"))).statusCode, 404);
        assert.equal((await restErrorOf(slow.getDeletedSecret("phoenix"))).statusCode, 404);
        // Choice (unverified): writes during the recovery are 409, so a client waits for the poller.
        const racing = await restErrorOf(slow.setSecret("phoenix", "too-early"));
        assert.equal(racing.statusCode, 409);
        assert.equal(innerErrorCode(racing), "ObjectIsBeingRecovered");
        const recovered = await poller.pollUntilDone();
        assert.equal(recovered.version, made.properties.version);
        const got = await slow.getSecret("phoenix");
        assert.equal(got.value, "ashes");
        assert.equal(got.properties.createdOn?.getTime(), made.properties.createdOn?.getTime());
        // Choice (unverified): tags survive recovery, as they are part of the deleted bundle.
        assert.deepEqual(got.properties.tags, { t: "1" });
      });
    });

    it("§6 the deleted bundle: recoveryId, deletedDate, scheduledPurgeDate = deletedDate + 90 × 86400; listed by listDeletedSecrets", async () => {
      await client.setSecret("archived", "v", { tags: { keep: "me" } });
      const deleted = await (await client.beginDeleteSecret("archived", POLL)).pollUntilDone();
      const { deletedOn, scheduledPurgeDate } = deleted.properties;
      assert.ok(deletedOn && scheduledPurgeDate);
      assert.equal(scheduledPurgeDate.getTime() - deletedOn.getTime(), 90 * 86_400_000);
      assert.equal(deleted.value, undefined);
      assert.match(deleted.properties.id ?? "", /\/secrets\/archived\/[0-9a-f]{32}$/, "the deleted bundle's id keeps the version");

      const listed = (await collect(client.listDeletedSecrets())).find((d) => d.name === "archived");
      assert.ok(listed);
      assert.equal(listed.properties.recoveryId, `${kv.vaultUrl}/deletedsecrets/archived`);
      assert.match(listed.properties.id ?? "", /\/secrets\/archived$/, "list ids carry no version");
      assert.deepEqual(listed.properties.tags, { keep: "me" });
    });

    it("§3 PUT on a soft-deleted name is 409 ObjectIsDeletedButRecoverable, whatever the case of the name", async () => {
      await client.setSecret("tombstone", "v");
      await (await client.beginDeleteSecret("tombstone", POLL)).pollUntilDone();
      const e = await restErrorOf(client.setSecret("TombStone", "again"));
      assert.equal(e.statusCode, 409);
      assert.equal(e.code, "Conflict");
      assert.equal(innerErrorCode(e), "ObjectIsDeletedButRecoverable");
      assert.equal(
        e.message,
        "Secret TombStone is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.",
      );
    });

    it("§3 §6 recover of a name that is not deleted is 404 SecretNotFound naming it", async () => {
      const e = await restErrorOf(client.beginRecoverDeletedSecret("never-deleted", POLL));
      assert.equal(e.statusCode, 404);
      assert.equal(e.code, "SecretNotFound");
      assert.match(e.message, /\(name\/id\) never-deleted /);
    });

    it("§2 purge answers 204 and frees the name; purging again is 404", async () => {
      await client.setSecret("purged", "old");
      await (await client.beginDeleteSecret("purged", POLL)).pollUntilDone();
      const res = await rawRequest(kv, "DELETE", `/deletedsecrets/purged?${API}`, { token: kv.issueToken(["purge"]) });
      assert.equal(res.status, 204);
      assert.equal(res.text, "");
      assert.equal((await restErrorOf(client.purgeDeletedSecret("purged"))).statusCode, 404);
      assert.equal((await restErrorOf(client.getDeletedSecret("purged"))).statusCode, 404);
      await client.setSecret("purged", "new");
      assert.equal((await collect(client.listPropertiesOfSecretVersions("purged"))).length, 1, "a fresh history");
    });

    it("§2 backup and restore: an opaque base64url blob restores every version; restore onto a live name is 409 (choice)", async () => {
      const v1 = await client.setSecret("kept", "first");
      const v2 = await client.setSecret("kept", "second");
      const blob = await client.backupSecret("kept");
      assert.ok(blob instanceof Uint8Array && blob.length > 0);
      assert.equal((await restErrorOf(client.restoreSecretBackup(blob))).statusCode, 409);

      await (await client.beginDeleteSecret("kept", POLL)).pollUntilDone();
      assert.equal(innerErrorCode(await restErrorOf(client.restoreSecretBackup(blob))), "ObjectIsDeletedButRecoverable");
      await client.purgeDeletedSecret("kept");
      const restored = await client.restoreSecretBackup(blob);
      assert.equal(restored.name, "kept");
      assert.equal(restored.version, v2.properties.version);
      assert.equal((await client.getSecret("kept", { version: v1.properties.version ?? "" })).value, "first");
      assert.equal((await client.getSecret("kept")).value, "second");
    });

    it("§3 restore of a malformed backup blob is 400 'Malformed backup blob'", async () => {
      const blob = await client.backupSecret("alpha");
      assert.ok(blob);
      const corrupt = Uint8Array.from(blob);
      corrupt[corrupt.length - 3] = (corrupt[corrupt.length - 3] ?? 0) ^ 0xff;
      for (const bad of [new Uint8Array([1, 2, 3]), corrupt]) {
        const e = await restErrorOf(client.restoreSecretBackup(bad));
        assert.equal(e.statusCode, 400);
        assert.equal(e.code, "Malformed backup blob");
        assert.equal(e.message, "Backup blob contains invalid or corrupt version.");
      }
    });
  });

  describe("errors and limits", () => {
    it("§3 an unknown secret is 404 SecretNotFound naming it '(name/id) {n}', with the fwlink", async () => {
      const e = await restErrorOf(client.getSecret("nope"));
      assert.equal(e.statusCode, 404);
      assert.equal(e.code, "SecretNotFound");
      assert.match(e.message, /^A secret with \(name\/id\) nope was not found in this key vault\./);
      assert.match(e.message, /linkid=2125182/);
      const version = "0".repeat(32);
      assert.match((await restErrorOf(client.getSecret("alpha", { version }))).message, new RegExp(`\\(name/id\\) alpha/${version} `));
      assert.equal((await restErrorOf(client.beginDeleteSecret("nope", POLL))).statusCode, 404);
    });

    it("§3 §4 a name outside 1–127 of [0-9a-zA-Z-] is 400 BadParameter 'The request URI contains an invalid name: {n}'", async () => {
      for (const name of ["under_score", "dot.ted", "x".repeat(128)]) {
        const e = await restErrorOf(client.setSecret(name, "v"));
        assert.equal(e.statusCode, 400, name);
        assert.equal(e.code, "BadParameter");
        assert.equal(e.message, `The request URI contains an invalid name: ${name}`);
      }
      assert.equal((await restErrorOf(client.getSecret("dot.ted"))).statusCode, 400);
      await client.setSecret("x".repeat(127), "longest name is fine");
    });

    it("§3 an empty name (PUT /secrets/) is 405 MethodNotAllowed 'HTTP PUT not allowed'", async () => {
      const e = await restErrorOf(client.setSecret("", "v"));
      assert.equal(e.statusCode, 405);
      assert.equal(e.code, "MethodNotAllowed");
      assert.equal(e.message, "HTTP PUT not allowed");
    });

    it("§3 §4 a value over 25,600 characters is 400 BadParameter / SecretTooLarge; 25,600 is accepted", async () => {
      await client.setSecret("big", "x".repeat(25_600));
      const e = await restErrorOf(client.setSecret("big", "x".repeat(25_601)));
      assert.equal(e.statusCode, 400);
      assert.equal(e.code, "BadParameter");
      assert.equal(innerErrorCode(e), "SecretTooLarge");
      assert.equal(e.message, "Secret is beyond the maximum permitted length of 25600 characters.");
    });

    it("§4 choice (unverified chars vs bytes): multi-byte values are counted in UTF-8 bytes, the stricter reading", async () => {
      await client.setSecret("accented", "é".repeat(12_800)); // 25,600 bytes
      assert.equal(innerErrorCode(await restErrorOf(client.setSecret("accented", "é".repeat(12_801)))), "SecretTooLarge");
    });

    it("§3 §4 more than 15 tags is 400 BadParameter 'Property has invalid value'; 15 are accepted", async () => {
      const tags = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));
      await client.setSecret("tagged", "v", { tags: tags(15) });
      const e = await restErrorOf(client.setSecret("tagged", "v", { tags: tags(16) }));
      assert.equal(e.statusCode, 400);
      assert.equal(e.code, "BadParameter");
      assert.equal(e.message, "Property has invalid value");
      const made = await client.getSecret("tagged");
      assert.equal((await restErrorOf(client.updateSecretProperties("tagged", made.properties.version ?? "", { tags: tags(16) }))).statusCode, 400);
    });

    it("§4 a tag name or value over 512 characters is 400 (choice: same text as too many tags); 512 is accepted", async () => {
      const long = "k".repeat(512);
      await client.setSecret("tag-size", "v", { tags: { [long]: long } });
      assert.equal((await restErrorOf(client.setSecret("tag-size", "v", { tags: { [`${long}k`]: "v" } }))).statusCode, 400);
      assert.equal((await restErrorOf(client.setSecret("tag-size", "v", { tags: { k: `${long}v` } }))).statusCode, 400);
    });

    it("§4 a contentType over 255 characters is 400 (choice: 'Property has invalid value'); 255 is accepted", async () => {
      await client.setSecret("ctype", "v", { contentType: "c".repeat(255) });
      const e = await restErrorOf(client.setSecret("ctype", "v", { contentType: "c".repeat(256) }));
      assert.equal(e.statusCode, 400);
      assert.equal(e.code, "BadParameter");
    });

    it("§1 every api-version the SDK can send is accepted; an unknown one is 400 BadParameter (choice)", async () => {
      const versions = ["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"] as const;
      for (const serviceVersion of versions) {
        assert.equal((await doubleSecretClient(kv, { serviceVersion }).getSecret("alpha")).value, "two", serviceVersion);
      }
      const token = kv.issueToken();
      for (const q of ["api-version=1.0", ""]) {
        const res = await rawRequest(kv, "GET", `/secrets/alpha/?${q}`, { token });
        assert.equal(res.status, 400, q);
        assert.equal((JSON.parse(res.text) as { error: { code: string } }).error.code, "BadParameter");
      }
    });
  });

  describe("vault options", () => {
    it("§4 §6 retention under 90 days gives CustomizedRecoverable+Purgeable and scheduledPurgeDate = deletedDate + days × 86400", async () => {
      const week = await startKeyVaultDouble({ retentionDays: 7, deleteDelayMs: 0 });
      try {
        const c = doubleSecretClient(week);
        const made = await c.setSecret("short-lived", "v");
        assert.equal(made.properties.recoveryLevel, "CustomizedRecoverable+Purgeable");
        assert.equal(made.properties.recoverableDays, 7);
        const deleted = await (await c.beginDeleteSecret("short-lived", POLL)).pollUntilDone();
        const { deletedOn, scheduledPurgeDate } = deleted.properties;
        assert.equal((scheduledPurgeDate?.getTime() ?? 0) - (deletedOn?.getTime() ?? 0), 604_800_000);
      } finally {
        await week.stop();
      }
    });

    it("§3 purge protection: purge is 403 Forbidden, the recovery level drops '+Purgeable'", async () => {
      const guarded = await startKeyVaultDouble({ purgeProtection: true, deleteDelayMs: 0 });
      try {
        const c = doubleSecretClient(guarded);
        assert.equal((await c.setSecret("guarded", "v")).properties.recoveryLevel, "Recoverable");
        await (await c.beginDeleteSecret("guarded", POLL)).pollUntilDone();
        const e = await restErrorOf(c.purgeDeletedSecret("guarded"));
        assert.equal(e.statusCode, 403);
        assert.equal(e.code, "Forbidden");
        assert.match(e.message, /^Operation "purge" is not allowed because purge protection is enabled/);
        assert.equal((await c.getDeletedSecret("guarded")).name, "guarded");
      } finally {
        await guarded.stop();
      }
    });

    it("§8 purgeDelayMs: re-creating right after a purge is 409 ObjectIsBeingDeleted until the purge finishes", async () => {
      const purging = await startKeyVaultDouble({ deleteDelayMs: 0, purgeDelayMs: 1_000 });
      try {
        const c = doubleSecretClient(purging);
        await c.setSecret("reborn", "v1");
        await (await c.beginDeleteSecret("reborn", POLL)).pollUntilDone();
        await c.purgeDeletedSecret("reborn");
        assert.equal(innerErrorCode(await restErrorOf(c.setSecret("reborn", "v2"))), "ObjectIsBeingDeleted");
        assert.equal((await restErrorOf(c.getDeletedSecret("reborn"))).statusCode, 404);
        await sleep(1_050);
        await c.setSecret("reborn", "v2");
      } finally {
        await purging.stop();
      }
    });

    it("§4 rejects a retention outside 7–90 days", async () => {
      await assert.rejects(startKeyVaultDouble({ retentionDays: 6 }), RangeError);
      await assert.rejects(startKeyVaultDouble({ retentionDays: 91 }), RangeError);
    });
  });
});
