// The audit-log case of `npm run bench`, run as a child process so its peak RSS is its own:
//   benchAudit.ts generate <file> <mb>   writes a realistic JSON-lines audit log of about <mb> MB
//   benchAudit.ts read <file>            reads it with the cutover analyzer, prints {ms, bytes, maxRssMb, …}
// Entries are what OpenBao 2.x writes (request then response, HMAC'd tokens, accessors and data,
// auth metadata), for 2,000 KV v2 paths under secret/apps/ (half of them migrated), KV v1 paths,
// sys/ and auth/ calls, 40 consumers, one entry every few milliseconds.
import * as fs from "node:fs";
import { CutoverAnalyzer, type MigratedPath } from "../../src/engine";
import { readAuditLogs } from "../../src/migration/cutover/auditLog";

const hex = (n: number, seed: number): string => {
  let s = "";
  let x = seed >>> 0;
  while (s.length < n) {
    x = (Math.imul(x ^ (x >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    s += x.toString(16).padStart(8, "0");
  }
  return s.slice(0, n);
};
const hmac = (seed: number): string => `hmac-sha256:${hex(64, seed)}`;

const MIGRATED = 1000;
export function migratedPaths(): MigratedPath[] {
  return Array.from({ length: MIGRATED }, (_, i) => ({ sourcePath: `secret/apps/team-${i % 50}/svc-${i}`, mount: "secret", kvVersion: 2 as const }));
}

/** The request and response lines of entry `i` at time `at`. */
function entryLines(i: number, at: number): string[] {
  const t = new Date(at).toISOString();
  const consumer = i % 40;
  const kind = i % 10;
  const path = kind < 6 ? `secret/${kind < 4 ? "data" : "metadata"}/apps/team-${i % 50}/svc-${i % 2000}` : kind < 8 ? `legacy/infra/host-${i % 300}` : kind === 8 ? "sys/mounts" : "auth/token/lookup-self";
  const auth = { client_token: hmac(i), accessor: hmac(consumer + 7), display_name: "approle", policies: ["default", `team-${consumer}`], token_policies: ["default", `team-${consumer}`], policy_results: { allowed: true, granting_policies: [{ name: `team-${consumer}`, namespace_id: "root", type: "acl" }] }, metadata: { role_name: `svc-${consumer}` }, entity_id: `${hex(8, consumer)}-${hex(4, consumer + 1)}-${hex(4, consumer + 2)}-${hex(4, consumer + 3)}-${hex(12, consumer + 4)}`, token_type: "service", token_ttl: 3600, token_issue_time: `${t.slice(0, 19)}Z` };
  const request = { id: `${hex(8, i)}-${hex(4, i + 1)}-${hex(4, i + 2)}-${hex(4, i + 3)}-${hex(12, i + 4)}`, client_id: hex(43, i + 5), operation: "read", mount_point: `${path.split("/")[0]}/`, mount_type: "kv", mount_accessor: "kv_3aa6a19a", mount_running_version: "v2.7.2+builtin.bao", mount_class: "secret", client_token: hmac(i), client_token_accessor: hmac(consumer + 7), namespace: { id: "root" }, path, remote_address: `10.1.${consumer}.${(i % 200) + 1}`, remote_port: 30000 + (i % 30000) };
  return [
    JSON.stringify({ time: t, type: "request", auth, request }),
    JSON.stringify({ time: t, type: "response", auth, request, response: { mount_point: request.mount_point, mount_type: "kv", mount_accessor: "kv_3aa6a19a", mount_running_plugin_version: "v2.7.2+builtin.bao", mount_class: "secret", data: { data: { password: hmac(i + 9), username: hmac(i + 10) }, metadata: { created_time: hmac(i + 11), version: 3 } } } }),
  ];
}

function generate(file: string, mb: number): void {
  const target = mb * 1024 * 1024;
  const span = 8 * 24 * 3_600_000;
  // Entries spread evenly over the 8 days before now, whatever the size: from the average entry.
  const sample = Array.from({ length: 200 }, (_, i) => entryLines(i, 0).join("\n").length + 1).reduce((a, b) => a + b, 0) / 200;
  const perEntryMs = span / (target / sample);
  const start = Date.now() - span;
  const fd = fs.openSync(file, "w");
  let written = 0;
  let i = 0;
  try {
    while (written < target) {
      const parts: string[] = [];
      for (let k = 0; k < 500; k++, i++) parts.push(...entryLines(i, start + i * perEntryMs));
      const chunk = `${parts.join("\n")}\n`;
      fs.writeSync(fd, chunk);
      written += Buffer.byteLength(chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function read(file: string): Promise<void> {
  const t0 = performance.now();
  const a = new CutoverAnalyzer({ paths: migratedPaths(), readers: [{ roleName: "svc-0" }], quietWindowMs: 7 * 24 * 3_600_000, maxGapMs: 3_600_000, nowMs: Date.now() });
  await readAuditLogs([file], a);
  const r = a.result();
  const ms = performance.now() - t0;
  const read = r.paths.filter((p) => !p.quiet).length;
  console.log(JSON.stringify({ ms, bytes: fs.statSync(file).size, maxRssMb: process.resourceUsage().maxRSS / 1024, entries: r.entries, malformed: r.malformedLines, readPaths: read, coverageWhole: r.coverage.whole }));
}

const [cmd, file, mb] = process.argv.slice(2);
if (cmd === "generate") generate(file, Number(mb));
else if (cmd === "read") void read(file);
else throw new Error("usage: benchAudit.ts generate <file> <mb> | read <file>");
