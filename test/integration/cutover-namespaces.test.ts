// The audit-log reader against what a real OpenBao writes for namespaced requests: reads inside
// namespaces `team-a` and `team-a/prod` (KV v2 data/ and metadata/, KV v1) and the same paths in the
// root namespace, by AppRole consumers of each namespace, read back from the server's `file` audit
// device. Each migration's namespace sees its own namespace's reads only.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CutoverAnalyzer, type MigratedPath } from "../../src/engine";
import { readAuditLogs } from "../../src/migration/cutover/auditLog";
import { mountKv, startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";

describe("cutover readiness: namespaced reads in a real OpenBao audit log", function () {
  this.timeout(120_000);
  let bao: OpenBaoServer;
  let dir: string;
  let live: string;

  /** An AppRole `name` in `namespace` (empty: root) that may read everything there, logged in. */
  async function consumer(namespace: string, name: string): Promise<string> {
    const o = namespace ? { namespace } : {};
    if (!(await vaultRequest<{ data: Record<string, unknown> }>(bao, "GET", "sys/auth", undefined, o))!.data["approle/"]) await vaultRequest(bao, "POST", "sys/auth/approle", { type: "approle" }, o);
    await vaultRequest(bao, "POST", `sys/policies/acl/${name}`, { policy: 'path "*" { capabilities = ["read"] }' }, o);
    await vaultRequest(bao, "POST", `auth/approle/role/${name}`, { token_policies: [name] }, o);
    const roleId = (await vaultRequest<{ data: { role_id: string } }>(bao, "GET", `auth/approle/role/${name}/role-id`, undefined, o))!.data.role_id;
    const secretId = (await vaultRequest<{ data: { secret_id: string } }>(bao, "POST", `auth/approle/role/${name}/secret-id`, {}, o))!.data.secret_id;
    return (await vaultRequest<{ auth: { client_token: string } }>(bao, "POST", "auth/approle/login", { role_id: roleId, secret_id: secretId }, o))!.auth.client_token;
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutover-ns-"));
    live = path.join(dir, "audit.log");
    bao = await startOpenBaoDev({ auditLog: live, namespaces: ["team-a/prod"] });
    for (const ns of ["", "team-a", "team-a/prod"]) {
      const o = ns ? { namespace: ns } : {};
      if (ns) {
        await mountKv(bao, "secret", 2, o);
        await mountKv(bao, "kv1", 1, o);
      }
      await vaultRequest(bao, "POST", "secret/data/apps/a", { data: { v: "x" } }, o);
      await vaultRequest(bao, "POST", "secret/data/apps/b", { data: { v: "x" } }, o);
      await vaultRequest(bao, "POST", "kv1/legacy/l1", { v: "x" }, o);
    }
    const rootApp = await consumer("", "root-app");
    const teamApp = await consumer("team-a", "team-app");
    const prodApp = await consumer("team-a/prod", "prod-app");
    await vaultRequest(bao, "GET", "secret/data/apps/a", undefined, { token: rootApp });
    await vaultRequest(bao, "GET", "secret/data/apps/a", undefined, { token: teamApp, namespace: "team-a" });
    await vaultRequest(bao, "GET", "secret/metadata/apps/b", undefined, { token: teamApp, namespace: "team-a" });
    await vaultRequest(bao, "GET", "kv1/legacy/l1", undefined, { token: teamApp, namespace: "team-a" });
    await vaultRequest(bao, "GET", "secret/data/apps/b", undefined, { token: prodApp, namespace: "team-a/prod" });
    // A namespace given in the path instead of the header: OpenBao logs it the same way.
    await vaultRequest(bao, "GET", "team-a/prod/kv1/legacy/l1", undefined, { token: prodApp });
  });
  after(async () => {
    await bao?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const paths: MigratedPath[] = [
    { sourcePath: "secret/apps/a", mount: "secret", kvVersion: 2 },
    { sourcePath: "secret/apps/b", mount: "secret", kvVersion: 2 },
    { sourcePath: "kv1/legacy/l1", mount: "kv1", kvVersion: 1 },
  ];
  async function readers(namespace: string | undefined): Promise<Record<string, string[]>> {
    const a = new CutoverAnalyzer({ namespace, paths, readers: [], quietWindowMs: 3_600_000, maxGapMs: 600_000, nowMs: Date.now() });
    await readAuditLogs([live], a);
    const r = a.result();
    assert.equal(r.malformedLines, 0);
    return Object.fromEntries(r.paths.map((p) => [p.sourcePath, p.consumers.map((c) => c.roleName ?? "?").sort()]));
  }

  it("a migration of the root namespace sees only root reads", async () => {
    assert.deepEqual(await readers(undefined), { "kv1/legacy/l1": [], "secret/apps/a": ["root-app"], "secret/apps/b": [] });
  });

  it("a migration of team-a sees team-a's reads (KV v2 data/ and metadata/, KV v1), not its child's or the root's", async () => {
    assert.deepEqual(await readers("team-a"), { "kv1/legacy/l1": ["team-app"], "secret/apps/a": ["team-app"], "secret/apps/b": ["team-app"] });
  });

  it("a migration of the nested team-a/prod sees its reads, with the namespace in the header or in the path", async () => {
    assert.deepEqual(await readers("team-a/prod"), { "kv1/legacy/l1": ["prod-app"], "secret/apps/a": [], "secret/apps/b": ["prod-app"] });
    assert.deepEqual(await readers("/team-a/prod/"), await readers("team-a/prod"));
  });
});
