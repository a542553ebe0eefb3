// Cutover readiness and source retirement on a real OpenBao server with a `file` audit device
// (configured in the server's config: OpenBao 2.x refuses `audit enable` over its API), through
// the real engine: two AppRole consumers read some migrated paths, the migration reads all of them
// with its own AppRole reader, and the retire identity (renderRetirePolicy) deletes only quiet,
// verified paths. The server's log covers minutes; the week of history before it is a rotated,
// gzip-compressed file of hourly entries cut from the server's own first entry with its time moved
// back (what a busy server's rotated log holds), so the quiet window of 7 days is covered without
// waiting; a second history file ending two days ago leaves a gap, and the live log alone starts late.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { renderReaderPolicy, renderRetirePolicy, type ReaderSource } from "../../src/components/readerPolicy";
import type { VaultMigrationArgs } from "../../src/components/VaultMigration";
import type { VaultConnectionArgs } from "../../src/resources/vaultResourceInputs";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";
import { vaultMigrationStack } from "../support/vaultMigrationProgram";

const hour = 3_600_000;
const day = 24 * hour;

interface Meta { current_version: number; versions: Record<string, { deletion_time: string; destroyed: boolean }> }

describe("cutover readiness and source retirement (real OpenBao with a file audit device, real engine)", function () {
  this.timeout(300_000);
  let bao: OpenBaoServer;
  let dir: string;
  let live: string;
  const seeded: string[] = [];
  const val = (label: string): string => {
    const v = `s3eded-${label}-${randomBytes(6).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const key = randomBytes(32).toString("base64");
  let t: TestStack;
  const reports: string[] = [];
  /** The migration's arguments with another audit log, for the bad-input case. */
  let appsWith: (auditLogs: string[], prefix: string) => VaultMigrationArgs;

  async function appRole(name: string, policy: string): Promise<{ roleId: string; secretId: string }> {
    await vaultRequest(bao, "POST", `sys/policies/acl/${name}`, { policy });
    await vaultRequest(bao, "POST", `auth/approle/role/${name}`, { token_policies: [name] });
    const roleId = (await vaultRequest<{ data: { role_id: string } }>(bao, "GET", `auth/approle/role/${name}/role-id`))!.data.role_id;
    const secretId = (await vaultRequest<{ data: { secret_id: string } }>(bao, "POST", `auth/approle/role/${name}/secret-id`, {}))!.data.secret_id;
    seeded.push(secretId);
    return { roleId, secretId };
  }
  async function login(r: { roleId: string; secretId: string }): Promise<string> {
    return (await vaultRequest<{ auth: { client_token: string } }>(bao, "POST", "auth/approle/login", { role_id: r.roleId, secret_id: r.secretId }))!.auth.client_token;
  }
  /** Hourly entries from `from` to `to`, each the server's first audit entry with its time moved. */
  function history(file: string, from: number, to: number): void {
    const first = JSON.parse(fs.readFileSync(live, "utf8").split("\n")[0]) as Record<string, unknown>;
    const lines: string[] = [];
    for (let at = from; at <= to; at += hour) lines.push(JSON.stringify({ ...first, time: new Date(at).toISOString() }));
    fs.writeFileSync(file, gzipSync(`${lines.join("\n")}\n`));
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutover-"));
    live = path.join(dir, "live", "audit.log");
    fs.mkdirSync(path.dirname(live));
    bao = await startOpenBaoDev({ auditLog: live });
    seeded.push(bao.rootToken);
    for (const p of ["apps/a", "apps/b", "apps/c", "apps/d", "team/x", "team/y"]) await vaultRequest(bao, "POST", `secret/data/${p}`, { data: { v: val(p) } });
    for (const p of ["legacy/l1", "legacy/l2"]) await vaultRequest(bao, "POST", `kv1/${p}`, { v: val(p) });
    await vaultRequest(bao, "POST", "sys/auth/approle", { type: "approle" });
    const sources: ReaderSource[] = [{ mount: "secret", kvVersion: 2, prefixes: ["apps/", "team/"] }, { mount: "kv1", kvVersion: 1, prefixes: ["legacy/"] }];
    const reader = await appRole("migration-reader", renderReaderPolicy(sources));
    const retire = await appRole("migration-retire", renderRetirePolicy(sources));
    const billing = await appRole("billing", 'path "secret/data/apps/*" { capabilities = ["read"] }');
    const web = await appRole("web", 'path "secret/*" { capabilities = ["read"] }\npath "kv1/*" { capabilities = ["read"] }');
    // The consumers: billing reads apps/a, web reads apps/b's metadata, team/x and legacy/l1.
    const [bt, wt] = [await login(billing), await login(web)];
    await vaultRequest(bao, "GET", "secret/data/apps/a", undefined, { token: bt });
    await vaultRequest(bao, "GET", "secret/data/apps/a", undefined, { token: bt });
    await vaultRequest(bao, "GET", "secret/metadata/apps/b", undefined, { token: wt });
    await vaultRequest(bao, "GET", "secret/data/team/x", undefined, { token: wt });
    await vaultRequest(bao, "GET", "kv1/legacy/l1", undefined, { token: wt });

    const start = Date.parse((JSON.parse(fs.readFileSync(live, "utf8").split("\n")[0]) as { time: string }).time);
    const whole = path.join(dir, "audit.log.1.gz");
    history(whole, start - 8 * day, start - 1);
    const gapped = path.join(dir, "gapped.log.1.gz");
    history(gapped, start - 8 * day, start - 2 * day);

    const conn = (auth: { roleId: string; secretId: string }): VaultConnectionArgs => ({ address: bao.address, auth: { method: "approle", ...auth } });
    const root: VaultConnectionArgs = { address: bao.address, auth: { method: "token", token: bao.rootToken } };
    const identity = { rules: [{ match: "**", name: "{path}" }] };
    const base = (name: string): string => {
      const b = path.join(dir, "reports", name);
      reports.push(b);
      return b;
    };
    const cutover = (auditLogs: string[], extra: Partial<NonNullable<VaultMigrationArgs["cutover"]>> = {}): VaultMigrationArgs["cutover"] => ({ auditLogs, quietWindow: "7d", maxGap: "2h", retireSource: true, retireConnection: conn(retire), ...extra });
    const migrations: { name: string; args: VaultMigrationArgs }[] = [
      { name: "apps", args: { source: { connection: conn(reader), mount: "secret", prefix: "apps/" }, destination: { connection: root, mount: "kv2", prefix: "copy" }, mapping: identity, fingerprintKey: key, reportPath: base("apps"), cutover: cutover([whole, live]) } },
      { name: "team", args: { source: { connection: conn(reader), mount: "secret", prefix: "team/" }, destination: { connection: root, mount: "kv2", prefix: "team" }, mapping: identity, fingerprintKey: key, reportPath: base("team"), cutover: cutover([gapped, live]) } },
      { name: "legacy", args: { source: { connection: conn(reader), mount: "kv1", prefix: "legacy/" }, destination: { connection: root, mount: "kv2", prefix: "legacy" }, mapping: identity, fingerprintKey: key, reportPath: base("legacy"), cutover: cutover([live], { permanent: true }) } },
    ];
    t = await vaultMigrationStack("cutover", () => migrations);
    appsWith = (auditLogs, prefix) => ({ ...migrations[0].args, reportPath: undefined, destination: { connection: root, mount: "kv2", prefix }, cutover: cutover(auditLogs) });
  });
  after(async () => {
    await t?.remove();
    await bao?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("preview lists exactly what would be retired, and who holds each path held back; a gap and a late start refuse retirement naming the times", async () => {
    const preview = await t.preview();
    const out = preview.stdout;
    // The diff: the retirement resource's inputs, one line per path, as the migration's own lines.
    const line = (k: string): string | undefined =>
      [...out.matchAll(new RegExp(`^\\s*[+~]?\\s*${k.replace(/[/.]/g, "\\$&")}\\s*: "([^\n]*)"$`, "gm"))].map((m) => m[1]).find((v) => /^(retire|hold)/.test(v));
    assert.match(line("secret/apps/c → apps/c") ?? "", /^retire v2: no read since \S+ \(KV v2 soft delete/);
    assert.match(line("secret/apps/d → apps/d") ?? "", /^retire v2: no read since /);
    assert.match(line("secret/apps/a → apps/a") ?? "", /^hold: read in the last 7d by billing \[entity [0-9a-f]{8}\]$/);
    assert.match(line("secret/apps/b → apps/b") ?? "", /^hold: read in the last 7d by web \[entity [0-9a-f]{8}\]$/);
    assert.equal((out.match(/"retire v/g) ?? []).length, 2, "exactly two paths to retire");
    // team/: the history ends two days before the live log starts: the gap is named by its times.
    assert.match(line("secret/team/y → team/y") ?? "", /^hold: the audit log has a gap from \S+Z to \S+Z \(2d, more than maxGap 2h\)$/);
    assert.match(line("secret/team/x → team/x") ?? "", /^hold: the audit log has a gap from /);
    // legacy/: the live log alone starts minutes ago.
    assert.match(line("kv1/legacy/l2 → legacy/l2") ?? "", /^hold: the audit log starts \S+Z, after the quiet window's start \S+Z$/);
  });

  it("up copies, reports each consumer per path, and retires exactly the quiet paths (KV v2 soft delete)", async () => {
    const before = t.output.length;
    const up = await t.up();
    const log = t.output.slice(before).join("");
    assert.match(log, /retire secret\/apps\/c: no read since /);
    assert.match(log, /hold secret\/apps\/a: read within the quiet window \(7d\) by approle role billing \(entity [^)]*policies (default,billing|billing,default), from 127\.0\.0\.1\) last read [^,]+, 2 read\(s\)/);
    assert.match(log, /retired: secret\/apps\/c/);
    const cut = (name: string): Record<string, unknown> => (up.outputs[name].value as { cutover: Record<string, unknown> }).cutover;
    assert.deepEqual(cut("apps"), { paths: 4, quiet: 2, read: 2, consumers: 2, coverageWhole: true, coverageProblems: 0, malformedLines: 0, toRetire: 2, held: 2, retired: { retired: 2, alreadyRetired: 0, held: 0, paths: ["secret/apps/c", "secret/apps/d"] } });
    assert.equal(cut("team").coverageWhole, false);
    assert.equal((cut("team").retired as { retired: number }).retired, 0);
    assert.equal(cut("legacy").toRetire, 0);
    const report = JSON.parse(fs.readFileSync(`${reports[0]}.cutover.json`, "utf8")) as { paths: { sourcePath: string; quiet: boolean; ownReads: number; consumers: { roleName?: string; reads: number; displayName?: string; entityId?: string }[] }[] };
    const byPath = Object.fromEntries(report.paths.map((p) => [p.sourcePath, p]));
    assert.deepEqual(byPath["secret/apps/a"].consumers.map((c) => [c.roleName, c.reads]), [["billing", 2]]);
    assert.ok(byPath["secret/apps/a"].consumers[0].entityId);
    assert.deepEqual(byPath["secret/apps/b"].consumers.map((c) => c.roleName), ["web"]);
    assert.deepEqual(report.paths.filter((p) => p.quiet).map((p) => p.sourcePath), ["secret/apps/c", "secret/apps/d"]);
    assert.ok(report.paths.every((p) => p.ownReads > 0 && p.consumers.every((c) => c.roleName !== "migration-reader")), "the migration's reader is no consumer");
    const legacy = JSON.parse(fs.readFileSync(`${reports[2]}.cutover.json`, "utf8")) as { paths: { sourcePath: string; consumers: { roleName?: string }[] }[] };
    assert.deepEqual(legacy.paths.map((p) => [p.sourcePath, p.consumers.map((c) => c.roleName).join()]), [["kv1/legacy/l1", "web"], ["kv1/legacy/l2", ""]]);
    const md = fs.readFileSync(`${reports[0]}.cutover.md`, "utf8");
    assert.match(md, /\| secret\/apps\/a \| no \| approle \| [^|]+ \| [a-z, ]+ \| billing \| 127\.0\.0\.1 \|/);
    // The files also say what was held back, by whom, and (written by the retirement run after the copy) what was retired.
    const decided = JSON.parse(fs.readFileSync(`${reports[0]}.cutover.json`, "utf8")) as { retirement: { sourcePath: string; action: string; consumers?: { roleName?: string }[] }[]; retired: { paths: { sourcePath: string; destinationName: string; result: string }[] } };
    assert.deepEqual(decided.retirement.filter((d) => d.action === "hold").map((d) => [d.sourcePath, d.consumers?.map((c) => c.roleName).join()]), [["secret/apps/a", "billing"], ["secret/apps/b", "web"]]);
    assert.deepEqual(decided.retired.paths, [{ sourcePath: "secret/apps/c", destinationName: "apps/c", result: "retired" }, { sourcePath: "secret/apps/d", destinationName: "apps/d", result: "retired" }]);
    assert.match(md, /\| secret\/apps\/a \| hold \| [^|]+ \| billing \[entity [0-9a-f]{8}\] \|/);
    assert.match(md, /## Retired by the run \(\S+\)\n\n\| source path \| copy \| result \|\n\|---\|---\|---\|\n\| secret\/apps\/c \| apps\/c \| retired \|\n\| secret\/apps\/d \| apps\/d \| retired \|\n$/);
  });

  it("a second up retires nothing more and changes nothing", async () => {
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), {});
  });

  it("in OpenBao: the quiet paths' current versions are soft-deleted (undelete restores them), everything else is untouched", async () => {
    for (const p of ["apps/c", "apps/d"]) {
      const m = (await vaultRequest<{ data: Meta }>(bao, "GET", `secret/metadata/${p}`))!.data;
      const v = m.versions[String(m.current_version)];
      assert.ok(v.deletion_time && !v.destroyed, `${p} soft-deleted, not destroyed`);
      await assert.rejects(vaultRequest(bao, "GET", `secret/data/${p}`), /HTTP 404/);
    }
    for (const p of ["apps/a", "apps/b", "team/x", "team/y"]) assert.ok((await vaultRequest<{ data: { data: { v: string } } }>(bao, "GET", `secret/data/${p}`))!.data.data.v);
    for (const p of ["legacy/l1", "legacy/l2"]) assert.ok((await vaultRequest<{ data: { v: string } }>(bao, "GET", `kv1/${p}`))!.data.v);
    // The copies are all there.
    for (const p of ["apps/a", "apps/b", "apps/c", "apps/d"]) assert.ok((await vaultRequest<{ data: { data: { v: string } } }>(bao, "GET", `kv2/data/copy/${p}`))!.data.data.v);
    await vaultRequest(bao, "POST", "secret/undelete/apps/c", { versions: [1] });
    assert.ok((await vaultRequest<{ data: { data: { v: string } } }>(bao, "GET", "secret/data/apps/c"))!.data.data.v, "undelete brings it back");
  });

  it("a missing audit log fails the preview and the up, naming it, before anything is written", async () => {
    const bad = await vaultMigrationStack("cutover-bad", () => [{ name: "apps", args: appsWith([path.join(dir, "nope", "audit.log")], "bad") }]);
    try {
      for (const op of ["preview", "up"] as const) {
        const before = bad.output.length;
        await assert.rejects(op === "preview" ? bad.preview() : bad.up(), (e: Error) => /audit log \S*nope\/audit\.log: ENOENT/.test(`${e.message}${bad.output.slice(before).join("")}`));
      }
      assert.deepEqual(await vaultRequest(bao, "LIST", "kv2/metadata/bad").catch((e: Error) => e.message), "OpenBao LIST /v1/kv2/metadata/bad failed: HTTP 404: ", "nothing copied");
    } finally {
      await bad.remove();
    }
  });

  it("no value in state, engine output or reports", async () => {
    const texts: Record<string, string> = { state: await t.exportState(), output: t.output.join("") };
    for (const r of reports) for (const ext of [".cutover.json", ".cutover.md", ".json", ".md"]) if (fs.existsSync(`${r}${ext}`)) texts[`${path.basename(r)}${ext}`] = fs.readFileSync(`${r}${ext}`, "utf8");
    assertNoSecrets(texts, seeded);
  });
});
