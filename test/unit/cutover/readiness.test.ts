// The pure part of cutover readiness and the audit log reader: entries as OpenBao 2.x writes them
// (request and response lines, HMAC'd data), rotated and gzip-compressed files, namespaces, KV v1
// and v2 forms, the migration's own reader left out, coverage gaps, malformed lines.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { CutoverAnalyzer, cutoverJson, cutoverMarkdown, decideRetirement, parseAuditLine, parseWindow, type CutoverOptions, type MigratedPath } from "../../../src/engine";
import { readAuditLogs } from "../../../src/migration/cutover/auditLog";
import { recordRetirement } from "../../../src/migration/cutover/readinessRun";

const H = (s: string): string => `hmac-sha256:${Buffer.from(s).toString("hex").padEnd(64, "0").slice(0, 64)}`;
const T0 = Date.parse("2026-11-20T00:00:00Z");
const hour = 3_600_000;
const day = 24 * hour;

interface Who { display?: string; entity?: string; role?: string; policies?: string[]; accessor?: string; remote?: string }
/** One audit entry as OpenBao writes it (compact JSON, `time` first). */
function entry(t: number, opPath: string, who: Who = {}, o: { type?: string; operation?: string; ns?: string } = {}): string {
  return JSON.stringify({
    time: new Date(t).toISOString(),
    type: o.type ?? "request",
    auth: { client_token: H("tok"), accessor: who.accessor ?? H(`acc-${who.role ?? who.display ?? "x"}`), display_name: who.display ?? "approle", policies: who.policies ?? ["default"], token_policies: who.policies ?? ["default"], ...(who.role ? { metadata: { role_name: who.role } } : {}), ...(who.entity ? { entity_id: who.entity } : {}) },
    request: { id: "r", operation: o.operation ?? "read", namespace: o.ns ? { id: "x", path: o.ns } : { id: "root" }, path: opPath, data: { value: H("data") }, remote_address: who.remote ?? "127.0.0.1" },
  });
}

const billing: Who = { role: "billing", entity: "ent-billing", policies: ["default", "billing"], remote: "10.0.0.5" };
const web: Who = { role: "web", entity: "ent-web", policies: ["default", "web"], remote: "10.0.0.6" };
const reader: Who = { role: "migration-reader", entity: "ent-reader" };

const paths: MigratedPath[] = [
  { sourcePath: "secret/apps/a", mount: "secret", kvVersion: 2 },
  { sourcePath: "secret/apps/b", mount: "secret", kvVersion: 2 },
  { sourcePath: "secret/apps/c", mount: "secret", kvVersion: 2 },
];
const opts = (o: Partial<CutoverOptions> = {}): CutoverOptions => ({ paths, readers: [{ roleName: "migration-reader" }], quietWindowMs: 7 * day, maxGapMs: 6 * hour, nowMs: T0 + 10 * day, ...o });

/** A log with an entry every hour from T0 to now, so coverage is whole. */
function heartbeat(from: number, to: number, step = hour): string[] {
  const out: string[] = [];
  for (let t = from; t <= to; t += step) out.push(entry(t, "sys/health", { display: "token" }, { operation: "read" }));
  return out;
}

function analyze(lines: string[], o: Partial<CutoverOptions> = {}): ReturnType<CutoverAnalyzer["result"]> {
  const a = new CutoverAnalyzer(opts(o));
  for (const l of lines) a.line(l);
  return a.result();
}

describe("cutover readiness: audit log analysis", () => {
  it("names each consumer of each path, KV v2 data/ and metadata/ forms, and leaves out the migration's reader", () => {
    const now = T0 + 10 * day;
    const r = analyze([
      ...heartbeat(T0, now),
      entry(now - 2 * day, "secret/data/apps/a", billing),
      entry(now - 1 * day, "secret/metadata/apps/a", billing),
      entry(now - 3 * day, "secret/data/apps/b", web),
      entry(now - 9 * day, "secret/data/apps/c", web), // before the window: c stays quiet
      entry(now - 1 * hour, "secret/data/apps/c", reader),
      entry(now - 1 * hour, "secret/data/apps/c", billing, { type: "response" }), // responses are not reads
      entry(now - 1 * hour, "secret/data/apps/c", billing, { operation: "update" }), // writes are not reads
      entry(now - 1 * hour, "secret/data/apps/cc", billing), // another path
    ].sort());
    assert.equal(r.coverage.whole, true, r.coverage.problems.join("; "));
    const byPath = new Map(r.paths.map((p) => [p.sourcePath, p]));
    const a = byPath.get("secret/apps/a")!;
    assert.equal(a.quiet, false);
    assert.equal(a.consumers.length, 1);
    assert.deepEqual({ ...a.consumers[0] }, { displayName: "approle", entityId: "ent-billing", policies: ["default", "billing"], accessor: H("acc-billing"), roleName: "billing", remoteAddresses: ["10.0.0.5"], firstRead: new Date(now - 2 * day).toISOString(), lastRead: new Date(now - day).toISOString(), reads: 2 });
    assert.equal(byPath.get("secret/apps/b")!.consumers[0].roleName, "web");
    const c = byPath.get("secret/apps/c")!;
    assert.equal(c.quiet, true, "read only before the window, and by the reader");
    assert.equal(c.ownReads, 1);
    assert.equal(c.consumers[0].roleName, "web");
    const d = decideRetirement(r, paths, { enabled: true, permanent: false });
    assert.deepEqual(d.filter((x) => x.action === "retire").map((x) => x.sourcePath), ["secret/apps/c"]);
    assert.match(d.find((x) => x.sourcePath === "secret/apps/a")!.reason, /billing/);
    assert.deepEqual(decideRetirement(r, paths, { enabled: false, permanent: false }), [], "retireSource is off by default");
  });

  it("matches KV v1 paths and namespaced requests (request.namespace.path + path)", () => {
    const now = T0 + 10 * day;
    const v1: MigratedPath[] = [{ sourcePath: "legacy/infra/ldap", mount: "legacy", kvVersion: 1 }];
    const r = analyze([...heartbeat(T0, now), entry(now - day, "legacy/infra/ldap", billing), entry(now - day, "legacy/infra/ldap", web, { ns: "team-b/" })].sort(), { paths: v1 });
    assert.deepEqual(r.paths[0].consumers.map((c) => c.roleName), ["billing"], "another namespace's same path is not ours");
    const ns = analyze([...heartbeat(T0, now), entry(now - day, "legacy/infra/ldap", billing), entry(now - day, "legacy/infra/ldap", web, { ns: "team-b/" })].sort(), { paths: v1, namespace: "team-b" });
    assert.deepEqual(ns.paths[0].consumers.map((c) => c.roleName), ["web"]);
    // A quiet KV v1 path is held back unless permanent: true.
    const quiet = analyze(heartbeat(T0, now), { paths: v1 });
    assert.equal(decideRetirement(quiet, v1, { enabled: true, permanent: false })[0].action, "hold");
    assert.equal(decideRetirement(quiet, v1, { enabled: true, permanent: true })[0].action, "retire");
  });

  it("refuses retirement when the log starts late or has a gap, naming the times", () => {
    const now = T0 + 10 * day;
    const late = analyze(heartbeat(now - 2 * day, now));
    assert.equal(late.coverage.whole, false);
    assert.equal(late.coverage.lateStart, true);
    assert.match(late.coverage.problems[0], new RegExp(`starts ${new Date(now - 2 * day).toISOString()}, after the quiet window's start ${new Date(now - 7 * day).toISOString()}`));
    assert.ok(decideRetirement(late, paths, { enabled: true, permanent: false }).every((d) => d.action === "hold"));
    const gapFrom = now - 5 * day;
    const gapTo = now - 4 * day;
    const gapped = analyze([...heartbeat(T0, gapFrom), ...heartbeat(gapTo, now)]);
    assert.equal(gapped.coverage.whole, false);
    assert.deepEqual(gapped.coverage.gaps.map((g) => [g.from, g.to]), [[new Date(gapFrom).toISOString(), new Date(gapTo).toISOString()]]);
    const held = decideRetirement(gapped, paths, { enabled: true, permanent: false });
    assert.ok(held.every((d) => d.action === "hold" && d.reason.includes(`gap from ${new Date(gapFrom).toISOString()} to ${new Date(gapTo).toISOString()} (1d`)), held[0].reason);
    // A gap before the window does not matter; silence since the last entry does.
    assert.equal(analyze([...heartbeat(T0 - day, T0 - hour), ...heartbeat(T0 + day, now)]).coverage.whole, true);
    const stopped = analyze(heartbeat(T0, now - day));
    assert.match(stopped.coverage.problems.join("\n"), new RegExp(`gap from ${new Date(now - day).toISOString()} to ${new Date(now).toISOString()}`));
  });

  // A line that is plainly no request for a migrated path is only checked for its time (speed); one that may be is parsed.
  it("counts malformed lines and goes on", () => {
    const now = T0 + 10 * day;
    const r = analyze([...heartbeat(T0, now), "not json", '{"time":"yesterday","type":"request"}', "{\"time\":\"2026-11-25T00:00:00Z\",\"type\":\"request\",\"request\":{\"path\":\"secret/data/apps/a\",\"data\":", "", entry(now - day, "secret/data/apps/a", billing)]);
    assert.equal(r.malformedLines, 3);
    assert.equal(r.paths[0].consumers.length, 1);
    assert.equal(parseAuditLine("[]").kind, "malformed");
  });

  it("the prefilter never drops a read: paths with JSON escapes (Go writes < as \\u003c) and spaced JSON still match", () => {
    const now = T0 + 10 * day;
    const odd: MigratedPath[] = [{ sourcePath: "secret/apps/<x>", mount: "secret", kvVersion: 2 }];
    const escaped = entry(now - day, "secret/data/apps/<x>", billing).replace("<x>", "\\u003cx\\u003e");
    const spaced = entry(now - day, "secret/metadata/apps/<x>", web).replace(/","/g, '", "').replace(/":"/g, '" : "');
    const r = analyze([...heartbeat(T0, now), escaped, spaced], { paths: odd });
    assert.deepEqual(r.paths[0].consumers.map((c) => c.roleName).sort(), ["billing", "web"]);
  });

  it("lineBytes decides every line as line() does: common, escaped, spaced, non-ASCII, blank and malformed lines", () => {
    const now = T0 + 10 * day;
    const odd: MigratedPath[] = [...paths, { sourcePath: "secret/apps/<x>", mount: "secret", kvVersion: 2 }, { sourcePath: "secret/apps/é", mount: "secret", kvVersion: 2 }, { sourcePath: "legacy/infra/ldap", mount: "legacy", kvVersion: 1 }];
    const lines = [
      ...heartbeat(T0, now, 6 * hour),
      entry(now - 2 * day, "secret/data/apps/a", billing),
      entry(now - day, "/secret/metadata/apps/b", web),
      entry(now - day, "secret/data/apps/a", billing, { type: "response" }),
      entry(now - day, "secret/data/apps/c", web, { type: "requests" }),
      entry(now - day, "secret/data/apps/a", web, { operation: "update" }),
      entry(now - day, "secret/data/apps/cc", billing),
      entry(now - day, "legacy/infra/ldap", web, { ns: "team-b/" }),
      entry(now - day, "legacy/infra/ldap", billing),
      entry(now - day, "secret/data/apps/<x>", billing).replace("<x>", "\\u003cx\\u003e"),
      entry(now - day, "secret/metadata/apps/<x>", web).replace(/","/g, '", "').replace(/":"/g, '" : "'),
      entry(now - day, "secret/data/apps/é", web),
      entry(now - day, "secret/data/apps/b", web).replace('"path":', '"path"\u00a0:'),
      `   ${entry(now - day, "secret/data/apps/c", billing)}`,
      "not json", "", "   ", "\u00a0", '{"time":"yesterday","type":"request"}', '{"time":"2026-11-25T00:00:00Z","type":"response"', '{"time":"2026-11-25T00:00:00Z","type":"request","request":{"path":"secret/data/apps/a',
      entry(now - day, "secret/data/apps/b", web).slice(0, -40),
    ];
    for (const namespace of [undefined, "team-b"]) {
      const byText = new CutoverAnalyzer(opts({ paths: odd, namespace }));
      for (const l of lines) byText.line(l);
      // Every line inside one buffer, with other bytes around it, as the file reader hands them out.
      const byBytes = new CutoverAnalyzer(opts({ paths: odd, namespace }));
      const buf = Buffer.from(`x\n${lines.join("\n")}\ny`, "utf8");
      let at = 2;
      for (const l of lines) {
        const end = at + Buffer.byteLength(l, "utf8");
        byBytes.lineBytes(buf, at, end);
        at = end + 1;
      }
      assert.deepEqual(byBytes.result(), byText.result());
      assert.equal(byText.result().malformedLines, 4, "not json, a time that is none, the no-break space, the cut line");
    }
  });

  it("parses durations", () => {
    assert.equal(parseWindow("7d"), 7 * day);
    assert.equal(parseWindow("1d12h"), 36 * hour);
    assert.equal(parseWindow("90s"), 90_000);
    assert.equal(parseWindow("7 days"), undefined);
    assert.equal(parseWindow(""), undefined);
  });

  it("never carries request data into the report", () => {
    const now = T0 + 10 * day;
    const r = analyze([...heartbeat(T0, now), entry(now - day, "secret/data/apps/a", billing)]);
    const md = cutoverMarkdown("stack/m", r, decideRetirement(r, paths, { enabled: true, permanent: false }), new Date(now).toISOString());
    assert.ok(!md.includes(H("data")) && !JSON.stringify(r).includes(H("data")) && !JSON.stringify(r).includes(H("tok")));
    assert.match(md, /\| secret\/apps\/a \| no \| approle \| ent-billing \| default, billing \| billing \| 10\.0\.0\.5 \|/);
  });

  it("the report files name each path held back with its consumers, and, once the retirement ran, what it retired", () => {
    const now = T0 + 10 * day;
    const r = analyze([...heartbeat(T0, now), entry(now - day, "secret/data/apps/a", billing), entry(now - 2 * day, "secret/data/apps/b", web)]);
    const d = decideRetirement(r, paths, { enabled: true, permanent: false });
    const at = new Date(now).toISOString();
    const json = JSON.parse(cutoverJson("stack/m", r, d, at)) as { retirement: { sourcePath: string; action: string; consumers?: { roleName?: string; entityId?: string }[] }[] };
    assert.deepEqual(json.retirement.map((x) => [x.sourcePath, x.action, x.consumers?.map((c) => `${c.roleName} ${c.entityId}`)]), [["secret/apps/a", "hold", ["billing ent-billing"]], ["secret/apps/b", "hold", ["web ent-web"]], ["secret/apps/c", "retire", undefined]]);
    const md = cutoverMarkdown("stack/m", r, d, at);
    assert.match(md, /\| secret\/apps\/a \| hold \| read within the quiet window [^|]+ \| billing \[entity ent-bill\] \|/);
    assert.match(md, /\| secret\/apps\/c \| retire \| no read since [^|]+ \| +\|$/m);
    // The retirement run adds its results; a second run replaces them, never appends twice.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retired-"));
    try {
      const base = path.join(dir, "m.cutover");
      fs.writeFileSync(`${base}.json`, cutoverJson("stack/m", r, d, at));
      fs.writeFileSync(`${base}.md`, md);
      recordRetirement(base, [{ sourcePath: "secret/apps/c", destinationName: "apps/c", result: "held: copy not verified" }], "2026-11-30T00:00:00.000Z");
      recordRetirement(base, [{ sourcePath: "secret/apps/c", destinationName: "apps/c", result: "retired" }], "2026-11-30T01:00:00.000Z");
      const after = JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) as { retired: unknown; retirement: unknown[]; paths: unknown[] };
      assert.deepEqual(after.retired, { at: "2026-11-30T01:00:00.000Z", paths: [{ sourcePath: "secret/apps/c", destinationName: "apps/c", result: "retired" }] });
      assert.equal(after.retirement.length, 3);
      const md2 = fs.readFileSync(`${base}.md`, "utf8");
      assert.ok(md2.startsWith(md.trimEnd()), "the readiness part is kept");
      assert.equal(md2.split("## Retired by the run").length, 2);
      assert.match(md2, /## Retired by the run \(2026-11-30T01:00:00\.000Z\)\n\n\| source path \| copy \| result \|\n\|---\|---\|---\|\n\| secret\/apps\/c \| apps\/c \| retired \|\n$/);
      recordRetirement(path.join(dir, "none"), [], at);
      assert.deepEqual(fs.readdirSync(dir).sort(), ["m.cutover.json", "m.cutover.md"], "no report asked for: none written");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("cutover readiness: reading audit log files", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a directory of rotated files, gzip-compressed ones too, in the order of their entries' times", async () => {
    const now = T0 + 10 * day;
    // Names sort the wrong way round: audit.log is the newest, audit.log.2.gz the oldest.
    const oldest = heartbeat(T0, T0 + 4 * day);
    const middle = [...heartbeat(T0 + 4 * day + hour, T0 + 7 * day), entry(T0 + 6 * day, "secret/data/apps/a", web)];
    const newest = [...heartbeat(T0 + 7 * day + hour, now), entry(now - hour, "secret/data/apps/b", billing)];
    fs.writeFileSync(path.join(dir, "audit.log.2.gz"), gzipSync(oldest.join("\n") + "\n"));
    fs.writeFileSync(path.join(dir, "audit.log.1"), middle.join("\n") + "\n");
    fs.writeFileSync(path.join(dir, "audit.log"), newest.join("\r\n")); // no final newline, CRLF
    const a = new CutoverAnalyzer(opts());
    await readAuditLogs([dir], a);
    const r = a.result();
    assert.deepEqual(r.files.map((f) => path.basename(f)), ["audit.log.2.gz", "audit.log.1", "audit.log"]);
    assert.equal(r.coverage.whole, true, r.coverage.problems.join("; "));
    assert.equal(r.entries, oldest.length + middle.length + newest.length);
    assert.equal(r.malformedLines, 0);
    assert.deepEqual(r.paths.map((p) => [p.sourcePath, p.consumers.map((c) => c.roleName).join()]), [["secret/apps/a", "web"], ["secret/apps/b", "billing"], ["secret/apps/c", ""]]);
  });

  it("makes a string only of the lines that may match: lines across read chunks, a line longer than the read buffer, gzip alike", async () => {
    const now = T0 + 10 * day;
    // 64 KB reads: the 200 KB request line (a big HMAC'd data field) spans several of them.
    const big = entry(now - day, "secret/data/apps/b", web).replace(`"data":{"value":"${H("data")}"}`, `"data":{"value":"${"h".repeat(200_000)}"}`);
    const lines = [...heartbeat(T0, now, 10 * 60_000), entry(now - 2 * day, "secret/data/apps/a", billing), big, entry(now - hour, "secret/data/apps/a", billing, { type: "response" })].sort();
    class Counting extends CutoverAnalyzer {
      texts = 0;
      override line(raw: string): void {
        this.texts++;
        super.line(raw);
      }
    }
    for (const name of ["audit.log", "audit.log.gz"]) {
      const f = path.join(dir, name);
      const text = `${lines.join("\n")}\n`;
      fs.writeFileSync(f, name.endsWith(".gz") ? gzipSync(text) : text);
      const a = new Counting(opts());
      await readAuditLogs([f], a);
      const r = a.result();
      assert.equal(r.entries, lines.length);
      assert.equal(r.malformedLines, 0);
      assert.deepEqual(r.paths.map((p) => p.consumers.map((c) => c.roleName).join()), ["billing", "web", ""]);
      assert.equal(a.texts, 2, `${name}: only the two reads of migrated paths are decoded (${lines.length} lines)`);
    }
  });

  it("reads a JSON-lines capture of a syslog/socket device given as a file, and names a missing file", async () => {
    const f = path.join(dir, "socket-capture.jsonl");
    fs.writeFileSync(f, [...heartbeat(T0, T0 + 10 * day), entry(T0 + 9 * day, "secret/data/apps/c", billing)].map((l) => JSON.stringify(JSON.parse(l), null, 0)).join("\n"));
    const a = new CutoverAnalyzer(opts());
    await readAuditLogs([f], a);
    assert.equal(a.result().paths[2].consumers[0].roleName, "billing");
    await assert.rejects(readAuditLogs([path.join(dir, "nope.log")], new CutoverAnalyzer(opts())), /audit log .*nope\.log: ENOENT/);
  });
});
