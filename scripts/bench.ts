// `npm run bench` (not a test): the Vault KV v2 → Key Vault migration measured on real servers and
// the real engine, in one run. Prints a table, checks the targets, writes .bench/results.json.
//   --secrets N    secrets in the large tree (default 10000)
//   --small N      secrets in the small tree, for the memory comparison (default 1000)
//   --limited N    secrets copied with the Key Vault limits on (default 2000; 0 skips it); --only keyvault-limits runs it alone;
//                  --limited-window S: the limits' window (default 10, Key Vault's own: 300 writes per 10 s)
//   --parallel N   requests in flight (default 32)
//   --audit-mb N   size of the generated audit log read by the cutover case (default 1024; 0 skips it)
//   --only audit   runs the audit-log case alone (no servers, no engine)
//   --scaivault N  secrets of the ScaiVault limited case (default 2000; 0 skips it); --only scaivault runs it alone;
//                  --scaivault-budget S: its resumed runs' maxDuration (default 30: the first run stops about half-way)
//   --infisical N  secrets of the Infisical limited case (default 10000; 0 skips it); --only infisical runs it alone
//   --only vault   the Vault → OpenBao case alone (issue #22 targets 2, 3, 4, 5 and its RSS): listing and copy
//                  floors, the full `pulumi up`, the no-change re-run, the state, a one-change preview, the
//                  runner's RSS; writes .bench/results-vault.json
//   --baseline F   an earlier results-vault.json (a 10,000 run) that target 5 compares this run with
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as fs from "node:fs";
import * as path from "node:path";
import { VaultClient } from "../src/clients/vault/VaultClient";
import { inventoryKv } from "../src/clients/vault/kv";
import { KeyVaultMigration } from "../src/components/KeyVaultMigration";
import { VaultPolicy } from "../src/resources/VaultPolicy";
import { startKeyVaultDouble, type KeyVaultDouble } from "../test/doubles/keyvault";
import { startOpenBaoDev } from "../test/support/openbao";
import { testStack } from "../test/support/pulumi";
import { infisicalCase, keyVaultLimitsCase, scaiVaultCase, type CaseContext } from "./lib/benchDestinations";
import { child, floor, providerInState, timed, type Target } from "./lib/benchRun";
import { noChangeBound, scaleTargets, vaultTargets, type BenchFile } from "./lib/benchTargets";
import { vaultCase } from "./lib/benchVault";
import { repoRoot } from "./lib/engine";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg("secrets", 10_000);
const SMALL = arg("small", 1_000);
const LIMITED = arg("limited", 2_000);
const LIMITED_WINDOW_S = arg("limited-window", 10);
const P = arg("parallel", 32);
const AUDIT_MB = arg("audit-mb", 1024);
const SCAIVAULT_N = arg("scaivault", 2_000);
const SCAIVAULT_BUDGET_S = arg("scaivault-budget", 30);
const INFISICAL_N = arg("infisical", 10_000);
const option = (name: string): string | undefined => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const ONLY = option("only");
const BASELINE = option("baseline");
// Target 5 compares this run with an earlier one (the 10,000 run's results-vault.json): read first, so a bad path fails at once.
const baseline = BASELINE ? (JSON.parse(fs.readFileSync(path.resolve(BASELINE), "utf8")) as BenchFile) : undefined;
const KEY = "bench-fingerprint-key-0123456789";

interface AuditRead { ms: number; bytes: number; maxRssMb: number; entries: number; malformed: number; readPaths: number; coverageWhole: boolean }

/**
 * The cutover case: a generated audit log of realistic OpenBao entries (scripts/lib/benchAudit.ts)
 * read by the analyzer in a child process, at 100 MB and at `mb`: throughput, and peak RSS flat.
 */
async function auditCase(mb: number, row: (name: string, seconds?: number, value?: string) => void, results: Record<string, number>): Promise<Target[]> {
  const script = path.join(__dirname, "lib", "benchAudit.ts");
  const run = async (...args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, ["--import", "tsx", script, ...args], { cwd: repoRoot, encoding: "utf8", maxBuffer: 1 << 26 })).stdout;
  const dir = path.join(repoRoot, ".bench");
  fs.mkdirSync(dir, { recursive: true });
  const sizes = [...new Set([Math.min(100, mb), mb])];
  const reads: AuditRead[] = [];
  for (const size of sizes) {
    const file = path.join(dir, `audit-${size}mb.log`);
    try {
      const [, gen] = await timed(() => run("generate", file, String(size)));
      row(`generate a ${size} MB audit log`, gen);
      const r = JSON.parse((await run("read", file)).trim().split("\n").pop() as string) as AuditRead;
      reads.push(r);
      const mbps = r.bytes / 1048576 / (r.ms / 1000);
      row(`audit log read, ${(r.bytes / 1048576).toFixed(0)} MB (${r.entries} entries, ${r.readPaths} migrated paths read)`, r.ms / 1000, `${mbps.toFixed(0)} MB/s, peak RSS ${r.maxRssMb.toFixed(0)} MB${r.coverageWhole ? "" : ", COVERAGE NOT WHOLE"}`);
      results[`auditMbPerS_${size}`] = mbps;
      results[`auditRssMb_${size}`] = r.maxRssMb;
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
  const big = reads[reads.length - 1];
  const small = reads[0];
  const rate = big.bytes / 1048576 / (big.ms / 1000);
  return [
    [`audit log read ≥ 100 MB/s (${sizes[sizes.length - 1]} MB)`, rate >= 100, `${rate.toFixed(0)} MB/s`],
    [`audit log read: RSS at ${sizes[sizes.length - 1]} MB ≤ 1.2 × RSS at ${sizes[0]} MB`, big.maxRssMb <= 1.2 * small.maxRssMb, `${big.maxRssMb.toFixed(0)} MB / ${small.maxRssMb.toFixed(0)} MB = ${(big.maxRssMb / small.maxRssMb).toFixed(2)}`],
  ];
}

/** Prints the table and the targets, writes .bench/<name>.json. */
function report(name: string, rows: { name: string; seconds?: number; value?: string }[], results: Record<string, number>, targets: Target[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${"measure".padEnd(width)}  seconds   result`);
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.seconds !== undefined ? r.seconds.toFixed(2).padStart(7) : "       "}   ${r.value ?? ""}`);
  console.log("\ntargets:");
  for (const [t, ok, value] of targets) console.log(`  ${ok ? "met   " : "MISSED"}  ${t}: ${value}`);
  const out = path.join(repoRoot, ".bench", name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), secrets: N, small: SMALL, limited: LIMITED, parallel: P, auditMb: AUDIT_MB, ...(BASELINE ? { baseline: BASELINE } : {}), rows, results, targets: targets.map(([t, met, value]) => ({ name: t, met, value })) }, null, 2));
  console.log(`\nwritten to ${path.relative(repoRoot, out)}`);
}

async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

const writesOf = (d: KeyVaultDouble): number => d.counters().setSecret;

async function main(): Promise<void> {
  const rows: { name: string; seconds?: number; value?: string }[] = [];
  const results: Record<string, number> = {};
  // What a run has measured so far, rewritten after each row: a long run stopped part-way keeps it.
  const progress = path.join(repoRoot, ".bench", "progress.json");
  fs.mkdirSync(path.dirname(progress), { recursive: true });
  const row = (name: string, seconds?: number, value?: string): void => {
    rows.push({ name, seconds, value });
    console.error(`  ${name}: ${seconds !== undefined ? `${seconds.toFixed(2)} s` : ""} ${value ?? ""}`);
    fs.writeFileSync(progress, JSON.stringify({ at: new Date().toISOString(), argv: process.argv.slice(2), rows, results }, null, 2));
  };
  if (ONLY === "audit") {
    return report("results-audit.json", rows, results, await auditCase(AUDIT_MB, row, results));
  }
  const bao = await startOpenBaoDev();
  const v = VaultClient.connect({ address: bao.address, auth: { method: "token", token: bao.rootToken } }, { connections: 64 });
  const seed = async (prefix: string, n: number): Promise<number> =>
    (await timed(() => pool(n, 64, (i) => v.write(`secret/data/${prefix}/team-${i % 50}/svc-${i}`, { data: { username: `u${i}`, password: `p-${i}-${"x".repeat(24)}` } }, { idempotent: true }).then(() => undefined))))[1];
  const ctx: CaseContext = { bao, seed: (prefix, n) => seed(prefix.replace(/\/$/, ""), n), row, results, fingerprintKey: KEY, parallel: P };
  if (ONLY === "scaivault" || ONLY === "infisical" || ONLY === "keyvault-limits") {
    try {
      const targets = ONLY === "scaivault" ? await scaiVaultCase(ctx, SCAIVAULT_N, SCAIVAULT_BUDGET_S) : ONLY === "infisical" ? await infisicalCase(ctx, INFISICAL_N) : await keyVaultLimitsCase(ctx, LIMITED, LIMITED_WINDOW_S);
      return report(`results-${ONLY}.json`, rows, results, targets);
    } finally {
      await v.close();
      await bao.stop();
    }
  }
  const destinationTargets: Target[] = [];
  const limitsTargets: Target[] = [];
  const doubles: KeyVaultDouble[] = [];
  const double = async (limits?: { writeLimit: number; otherLimit: number; windowMs: number }): Promise<KeyVaultDouble> => {
    const d = await startKeyVaultDouble({ throttling: limits ?? false, deleteDelayMs: 200, recoverDelayMs: 200 });
    doubles.push(d);
    return d;
  };
  try {
    row(`seed ${N} + ${SMALL} two-key KV v2 secrets`, (await seed("bench", N)) + (await seed("small", SMALL)));

    // What any plan must read: the bare metadata listing of the source.
    const [, listing] = await timed(async () => {
      let n = 0;
      for await (const _ of inventoryKv(v, { mount: "secret", kvVersion: 2, prefix: "bench/", concurrency: P })) n++;
      if (n !== N) throw new Error(`listing found ${n} of ${N}`);
    });
    row("listing with the product's inventory (walk + metadata GET each)", listing);
    results.listing = listing;
    const base = { vault: { address: bao.address, token: bao.rootToken }, mount: "secret", concurrency: P };
    const fl = await floor({ ...base, mode: "list", prefix: "bench/" });
    if (fl.secrets !== N) throw new Error(`floor listing found ${fl.secrets} of ${N}`);
    results.floorListing = fl.ms / 1000;
    row("raw listing floor: bare undici (LIST + metadata GET each)", results.floorListing);

    // The engine's own cost.
    const noop = await testStack("bench-noop", async () => {
      for (const n of ["a", "b"]) new VaultPolicy(n, { connection: { address: bao.address, auth: { method: "token", token: bao.rootToken } }, name: `bench-${n}`, policy: 'path "x" { capabilities = ["read"] }' });
    });
    await noop.up();
    const noopSamples: number[] = [];
    for (let i = 0; i < 3; i++) noopSamples.push((await timed(() => noop.up()))[1]);
    await noop.remove();
    results.engineNoop = noopSamples.sort()[1] as number;
    row("engine no-op: pulumi up of a two-resource stack (median of 3)", results.engineNoop);

    // The Key Vault cases (not with --only vault).
    if (ONLY !== "vault") {
      const kvJob = (d: KeyVaultDouble) => ({ vaultUrl: d.vaultUrl, caCertPem: d.caCertPem, token: d.issueToken() });

      const raw = await child({ ...base, mode: "raw", prefix: "bench/", keyVault: kvJob(await double()) });
      results.rawRate = raw.secrets / (raw.ms / 1000);
      row(`product-client floor: the product's clients, concurrent read + write, no Pulumi (${raw.secrets})`, raw.ms / 1000, `${results.rawRate.toFixed(0)}/s`);
      const kvFloor = await floor({ ...base, mode: "copy", prefix: "bench/", keyVault: kvJob(await double()) });
      results.floorKvRate = kvFloor.secrets / (kvFloor.ms / 1000);
      row(`raw copy floor: bare undici, list + GET + PUT (${kvFloor.secrets})`, kvFloor.ms / 1000, `${results.floorKvRate.toFixed(0)}/s`);

      const seqN = Math.min(N, 1_000);
      const seq = await child({ ...base, mode: "sequential", prefix: "bench/", limit: seqN, keyVault: kvJob(await double()) });
      results.sequentialRate = seq.secrets / (seq.ms / 1000);
      row(`naive sequential copy like seed 003 (${seq.secrets}, extrapolated to ${N})`, (N / results.sequentialRate), `${results.sequentialRate.toFixed(0)}/s`);

      const small = await child({ ...base, mode: "migrate", prefix: "small/", keyVault: kvJob(await double()) });
      const large = await child({ ...base, mode: "migrate", prefix: "bench/", keyVault: kvJob(await double()) });
      results.rssSmallMb = small.maxRssMb;
      results.rssLargeMb = large.maxRssMb;
      row(`peak RSS of the migration runner (plan + copy + verify) at ${SMALL}`, small.ms / 1000, `${small.maxRssMb.toFixed(0)} MB`);
      row(`peak RSS of the migration runner (plan + copy + verify) at ${N}`, large.ms / 1000, `${large.maxRssMb.toFixed(0)} MB`);

      // The product: pulumi up through the real engine.
      const full = await double();
      const reportPath = path.join(repoRoot, ".bench", "report-full");
      const params = { prefix: "bench/", dest: full, pacing: false as false | { writeLimit: number; otherLimit: number; windowMs: number }, report: reportPath };
      const token = new Map<KeyVaultDouble, string>();
      const t = await testStack("bench-migration", async () => {
        if (!token.has(params.dest)) token.set(params.dest, params.dest.issueToken());
        const m = new KeyVaultMigration("bench", {
          source: { connection: { address: bao.address, auth: { method: "token", token: bao.rootToken } }, mount: "secret", prefix: params.prefix, kvVersion: 2 },
          destination: { vaultUrl: params.dest.vaultUrl, caCertPem: params.dest.caCertPem, disableChallengeResourceVerification: true, pacing: params.pacing },
          credential: { type: "accessToken", token: token.get(params.dest) as string },
          fingerprintKey: KEY,
          concurrency: P,
          reportPath: params.report,
          logLimit: 20,
        });
        return { summary: m.summary };
      });
      try {
        const [upRes, upT] = await timed(() => t.up());
        const created = (upRes.outputs.summary?.value as { created: number }).created;
        if (created !== N) throw new Error(`pulumi up created ${created} of ${N}`);
        const report = JSON.parse(fs.readFileSync(`${reportPath}.json`, "utf8")) as { durationMs: number };
        results.fullRate = N / upT;
        results.copyPhaseRate = N / (report.durationMs / 1000);
        row(`full copy: pulumi up (engine, planning, copy, verification) of ${N}`, upT, `${results.fullRate.toFixed(0)}/s`);
        row("  of which the copy phase (provider: value checks, read, write verified by its answer)", report.durationMs / 1000, `${results.copyPhaseRate.toFixed(0)}/s`);
        const state = await t.exportState();
        results.stateBytesPerSecret = state.length / N;
        const prov = providerInState(state);
        results.providerBytes = prov.bytes;
        row("serialized migration provider in the state", undefined, `${(prov.bytes / 1024).toFixed(1)} KB, stored ${prov.copies}×`);
        row("state after the first run", undefined, `${(state.length / 1e6).toFixed(2)} MB, ${results.stateBytesPerSecret.toFixed(0)} bytes/secret`);

        const writesBefore = writesOf(full);
        const [again, againT] = await timed(() => t.up());
        const changed = Object.entries(again.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n);
        results.noChange = againT;
        row(`no-change re-run: pulumi up (${changed.length ? "CHANGES" : "no changes"}, ${writesOf(full) - writesBefore} writes)`, againT);
        const state2 = await t.exportState();
        row("state after the no-change run", undefined, `${(state2.length / 1e6).toFixed(2)} MB`);
        const kvl = await floor({ ...base, mode: "kvlist", prefix: "", keyVault: { vaultUrl: full.vaultUrl, caCertPem: full.caCertPem, token: token.get(full) as string } });
        results.floorKvListing = kvl.ms / 1000;
        row(`raw Key Vault listing floor: bare undici, ${kvl.secrets} secrets in pages of 25`, results.floorKvListing);

      } finally {
        await t.remove();
      }
    }

    // Vault → OpenBao: a second real server as the destination (scripts/lib/benchVault.ts).
    await vaultCase(ctx, { n: N, small: SMALL });
    if (ONLY !== "vault" && LIMITED > 0) limitsTargets.push(...(await keyVaultLimitsCase(ctx, LIMITED, LIMITED_WINDOW_S)));
    if (ONLY !== "vault" && SCAIVAULT_N > 0) destinationTargets.push(...(await scaiVaultCase(ctx, SCAIVAULT_N, SCAIVAULT_BUDGET_S)));
    if (ONLY !== "vault" && INFISICAL_N > 0) destinationTargets.push(...(await infisicalCase(ctx, INFISICAL_N)));
  } finally {
    await v.close();
    for (const d of doubles) await d.stop();
    await bao.stop();
  }

  const ratio = (x: number): string => x.toFixed(2);
  const [t2a, t2b, t4vault, rssVault] = vaultTargets(results, N, SMALL);
  const t3: Target = ["3. listing ≤ 1.25 × raw listing floor", results.listing <= 1.25 * results.floorListing, ratio(results.listing / results.floorListing)];
  const t5 = scaleTargets(results, N, baseline);
  if (ONLY === "vault") return report("results-vault.json", rows, results, [t2a, t2b, t3, t4vault, ...t5, rssVault]);
  const kvBound = noChangeBound(results, results.floorListing + results.floorKvListing);
  // Issue #22's targets, numbered as there; the old ones kept below them.
  const targets: Target[] = [
    ["1. raw floors are bare undici loops (client overhead as rates, product clients ÷ bare undici)", true, `copy ${ratio(results.vaultRawRate / results.vaultFloorRate)}, Key Vault copy ${ratio(results.rawRate / results.floorKvRate)}, listing ${ratio(results.floorListing / results.listing)}`],
    t2a,
    t2b,
    t3,
    t4vault,
    ["4. Key Vault no-change re-run ≤ engine no-op + 1.25 × raw listing of both sides", results.noChange <= kvBound, `${results.noChange.toFixed(2)} s vs ${kvBound.toFixed(2)} s (${ratio(results.noChange / kvBound)})`],
    ...t5,
    ["6. serialized migration provider < 20 KB", Math.max(results.providerBytes, results.vaultProviderBytes) < 20_000, `${(Math.max(results.providerBytes, results.vaultProviderBytes) / 1024).toFixed(1)} KB`],
    ...limitsTargets,
    ["Key Vault full copy ≥ 0.6 × raw copy floor (bound by the double here)", results.fullRate >= 0.6 * results.floorKvRate, ratio(results.fullRate / results.floorKvRate)],
    [`RSS at ${N} ≤ 1.5 × RSS at ${SMALL}`, results.rssLargeMb <= 1.5 * results.rssSmallMb, ratio(results.rssLargeMb / results.rssSmallMb)],
    rssVault,
  ];
  targets.push(...destinationTargets);
  if (AUDIT_MB > 0) targets.push(...(await auditCase(AUDIT_MB, row, results)));
  report("results.json", rows, results, targets);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
