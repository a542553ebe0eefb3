// The rate-limited ScaiVault and Infisical cases of `npm run bench` (issues #20 item 7, #19 item 8),
// run the way the Key Vault limited case is: a real OpenBao source, the destination's contract
// double with its limits scaled ×10, and `pulumi up` through the real engine (testStack). Each case
// returns its targets, met or missed, with their ratios.
import * as fs from "node:fs";
import * as path from "node:path";
import { InfisicalMigration } from "../../src/components/InfisicalMigration";
import { KeyVaultMigration } from "../../src/components/KeyVaultMigration";
import { ScaiVaultMigration } from "../../src/components/ScaiVaultMigration";
import { startInfisicalDouble } from "../../test/doubles/infisical";
import { startKeyVaultDouble } from "../../test/doubles/keyvault";
import { startScaiVaultDouble } from "../../test/doubles/scaivault";
import type { OpenBaoServer } from "../../test/support/openbao";
import { testStack } from "../../test/support/pulumi";
import { repoRoot } from "./engine";

export type Target = [string, boolean, string];
export interface CaseContext {
  bao: OpenBaoServer;
  /** Writes `n` two-key KV v2 secrets under `secret/<prefix>`; returns the seconds it took. */
  seed: (prefix: string, n: number) => Promise<number>;
  row: (name: string, seconds?: number, value?: string) => void;
  results: Record<string, number>;
  fingerprintKey: string;
  parallel: number;
}

/** The bench's KV v2 tree under `secret/<prefix>` of `server`, as a migration's source (or a Vault destination's location), root token. */
export function kvTree(server: OpenBaoServer, prefix: string): { connection: { address: string; auth: { method: "token"; token: string } }; mount: string; prefix: string; kvVersion: 2 } {
  return { connection: { address: server.address, auth: { method: "token", token: server.rootToken } }, mount: "secret", prefix, kvVersion: 2 };
}

/** What every bench migration sets besides its source and destination: the run's key, the bench's concurrency, a report at `reportPath`. */
export function runArgs(c: CaseContext, reportPath: string): { fingerprintKey: string; concurrency: number; reportPath: string; logLimit: number } {
  return { fingerprintKey: c.fingerprintKey, concurrency: c.parallel, reportPath, logLimit: 20 };
}

interface RunReport { durationMs: number; counts: { created: number; updated: number; failed: number; pending?: number } }
const readReport = (base: string): RunReport => JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) as RunReport;
const ratio = (x: number): string => x.toFixed(2);

/**
 * ScaiVault: `n` secrets with every limit ×10 (1,000 writes/min). First one `pulumi up` of the
 * whole copy (the rate: copies over the copy phase, against 1,000/min), then, into a second double,
 * runs with a `maxDuration` of `budgetS` that stop part-way, each resuming where the last stopped
 * until nothing is pending (every secret PUT exactly once, one version each); then a no-change run.
 */
export async function scaiVaultCase(c: CaseContext, n: number, budgetS: number): Promise<Target[]> {
  const limits = { write: 1000, read: 10_000, delete: 1000, list: 1000, federation: 200 };
  c.row(`ScaiVault: seed ${n} two-key KV v2 secrets`, await c.seed("sv/", n));
  const report = path.join(repoRoot, ".bench", "report-scaivault");
  const stack = async (name: string, url: string, token: string, maxDuration?: number) =>
    testStack(name, async () => {
      const m = new ScaiVaultMigration("bench-sv", {
        source: kvTree(c.bao, "sv/"),
        destination: { url, pacing: { writeLimit: limits.write, readLimit: limits.read, deleteLimit: limits.delete, listLimit: limits.list, federationLimit: limits.federation } },
        token,
        fingerprintKey: c.fingerprintKey,
        concurrency: c.parallel,
        ...(maxDuration ? { maxDuration } : {}),
        reportPath: report,
        logLimit: 20,
      });
      return { summary: m.summary };
    });
  const double = async () => {
    const sv = await startScaiVaultDouble({ limits: { ...limits, windowMs: 60_000 } });
    return { sv, token: sv.issueToken(["secrets:read", "secrets:write", "secrets:list", "secrets:delete", "federation:read"], "sa:bench") };
  };
  const targets: Target[] = [];

  // The rate: one uninterrupted copy.
  const a = await double();
  const ta = await stack("bench-scaivault", a.sv.url, a.token);
  try {
    await ta.up();
    const r = readReport(report);
    const fraction = r.counts.created / (r.durationMs / 1000) / (limits.write / 60);
    c.results.scaiVaultRateFraction = fraction;
    c.results.scaiVaultFailed = r.counts.failed;
    c.row(`ScaiVault limits ×10 (1,000 writes/min): ${r.counts.created} created, ${r.counts.failed} failed`, r.durationMs / 1000, `${(fraction * 100).toFixed(0)}% of the allowed write rate, ${a.sv.throttledCount()} × 429`);
    a.sv.resetRequests();
    await ta.up();
    const noChangePuts = a.sv.count("putSecret");
    c.row(`ScaiVault no-change re-run: ${noChangePuts} PUTs`);
    targets.push(
      ["ScaiVault (#20.7): limits ×10, ≥ 0.9 of the allowed write rate", fraction >= 0.9, ratio(fraction)],
      ["ScaiVault (#20.7): 0 failed, all copied", r.counts.failed === 0 && r.counts.created === n, `${r.counts.failed} failed, ${r.counts.created} of ${n} created`],
      ["ScaiVault: no-change re-run makes zero PUTs", noChangePuts === 0, `${noChangePuts}`],
    );
  } finally {
    await ta.remove();
    await a.sv.stop();
  }

  // Stopped by maxDuration and resumed.
  const b = await double();
  const tb = await stack("bench-scaivault-resume", b.sv.url, b.token, budgetS);
  try {
    const perRun: number[] = [];
    let failed = 0;
    for (let run = 1; ; run++) {
      if (run > 8) throw new Error(`ScaiVault: still pending after ${run - 1} runs`);
      const [, s] = await timedUp(() => tb.up());
      const r = readReport(report);
      perRun.push(r.counts.created);
      failed += r.counts.failed;
      c.row(`ScaiVault resumed run ${run} (maxDuration ${budgetS} s): ${r.counts.created} created, ${r.counts.pending ?? 0} pending, ${r.counts.failed} failed (pulumi up ${s.toFixed(1)} s)`, r.durationMs / 1000);
      if (!r.counts.pending) break;
    }
    const puts = b.sv.requests().filter((x) => x.op === "putSecret" && x.status < 300);
    const perPath = new Map<string, number>();
    for (const p of puts) perPath.set(p.arg ?? "", (perPath.get(p.arg ?? "") ?? 0) + 1);
    const twice = [...perPath.values()].filter((k) => k !== 1).length;
    const oneVersion = [...perPath.keys()].filter((p) => sv1(b.sv.versionsOf(p))).length;
    c.row(`ScaiVault resumed: ${perRun.length} runs (${perRun.join(" + ")}), ${puts.length} PUTs for ${perPath.size} paths, ${twice} written more than once, ${oneVersion} with exactly one version`, undefined, `${b.sv.throttledCount()} × 429, ${failed} failed`);
    targets.push([
      `ScaiVault (#20.7): stopped by maxDuration part-way (first run ${perRun[0]} of ${n}) and resumed, each secret copied exactly once`,
      perRun.length > 1 && (perRun[0] as number) < n && failed === 0 && puts.length === n && perPath.size === n && twice === 0 && oneVersion === n,
      `${perRun.length} runs, ${puts.length} PUTs for ${n} secrets, ${oneVersion} with one version`,
    ]);
  } finally {
    await tb.remove();
    await b.sv.stop();
  }
  return targets;
}

const sv1 = (versions: number[]): boolean => versions.length === 1 && versions[0] === 1;

async function timedUp<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

/**
 * Infisical: `n` two-key secrets (a folder of two keys each, Infisical's layout) with the Pro
 * limit ×10 (3,000 secrets requests/min) paced to it; then a no-change run that must write nothing.
 * The rate is the secrets-endpoint requests over the copy phase (a batch counts as one request).
 */
export async function infisicalCase(c: CaseContext, n: number): Promise<Target[]> {
  const perMinute = 300 * 10;
  const inf = await startInfisicalDouble({ plan: "pro", rateScale: 10 });
  const identity = inf.createIdentity();
  c.row(`Infisical: seed ${n} two-key KV v2 secrets`, await c.seed("inf/", n));
  const report = path.join(repoRoot, ".bench", "report-infisical");
  const t = await testStack("bench-infisical", async () => {
    const m = new InfisicalMigration("bench-inf", {
      source: kvTree(c.bao, "inf/"),
      // Pro's four limits ×10, as the double enforces them.
      destination: { siteUrl: inf.siteUrl, projectMapping: "mount", pacing: { requestsPerMinute: perMinute, readPerMinute: 3500, writePerMinute: 2000, overallPerMinute: 6000 } },
      auth: { method: "universal-auth", ...identity },
      fingerprintKey: c.fingerprintKey,
      concurrency: c.parallel,
      reportPath: report,
      logLimit: 20,
    });
    return { summary: m.summary };
  });
  const secretsRequests = (): number => Object.entries(inf.counters()).filter(([k]) => k.includes("/api/v4/secrets")).reduce((a, [, v]) => a + v, 0) + inf.throttled();
  try {
    inf.resetCounters();
    await t.up();
    const r = readReport(report);
    const requests = secretsRequests();
    const all = Object.values(inf.counters()).reduce((a, b) => a + b, 0);
    const allowedPerS = perMinute / 60;
    c.results.infisicalRateFraction = requests / (r.durationMs / 1000) / allowedPerS;
    c.results.infisical429Fraction = inf.throttled() / Math.max(1, requests);
    c.results.infisicalFailed = r.counts.failed;
    const byRoute = Object.entries(inf.counters()).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / Math.max(1, n)).toFixed(2)}`).join(", ");
    c.row(`Infisical requests a secret, by route: ${byRoute}`);
    c.row(`Infisical Pro ×10 (secrets 3,000, read 3,500, write 2,000, all 6,000 requests/min): ${r.counts.created} created, ${r.counts.failed} failed`, r.durationMs / 1000, `${(c.results.infisicalRateFraction * 100).toFixed(0)}% of the allowed request rate (${requests} secrets requests, ${(requests / Math.max(1, n)).toFixed(1)} a secret; ${all} requests in all), ${inf.throttled()} × 429 ${JSON.stringify(inf.throttledBy())}, ${inf.writes()} keys written`);
    inf.resetCounters();
    await t.up();
    const noChangeWrites = inf.writes();
    c.row(`Infisical no-change re-run: ${noChangeWrites} writes, ${secretsRequests()} secrets requests`);
    return [
      ["Infisical (#19.8): Pro ×10, ≥ 0.9 of the allowed request rate", c.results.infisicalRateFraction >= 0.9, ratio(c.results.infisicalRateFraction)],
      ["Infisical (#19.8): 0 failed, all copied", r.counts.failed === 0 && r.counts.created === n, `${r.counts.failed} failed, ${r.counts.created} of ${n} created`],
      ["Infisical (#19.8): 429s ≤ 1% of secrets requests", c.results.infisical429Fraction <= 0.01, `${(c.results.infisical429Fraction * 100).toFixed(2)}%`],
      ["Infisical (#19.8): no-change re-run makes zero writes", noChangeWrites === 0, `${noChangeWrites}`],
    ];
  } finally {
    await t.remove();
    await inf.stop();
  }
}

/**
 * Target 7, Key Vault under its limits: `n` secrets into a double enforcing the service's own limits
 * (300 writes and 4,000 other requests per `windowS` seconds, per vault; 10 s is Key Vault's), with
 * the destination's pacing set to the same. At a window shorter than the service's the pacer's
 * margin (a slot is held from the send until one window after the answer) weighs ten times more
 * than against the real service, so the default is the real window.
 */
export async function keyVaultLimitsCase(c: CaseContext, n: number, windowS: number): Promise<Target[]> {
  const limits = { writeLimit: 300, otherLimit: 4000, windowMs: windowS * 1000 };
  c.row(`Key Vault limits: seed ${n} two-key KV v2 secrets`, await c.seed("kvlimited/", n));
  const kv = await startKeyVaultDouble({ throttling: limits, deleteDelayMs: 200, recoverDelayMs: 200 });
  const token = kv.issueToken();
  const report = path.join(repoRoot, ".bench", "report-limited");
  const t = await testStack("bench-kv-limits", async () => {
    const m = new KeyVaultMigration("bench-limited", {
      source: kvTree(c.bao, "kvlimited/"),
      destination: { vaultUrl: kv.vaultUrl, caCertPem: kv.caCertPem, disableChallengeResourceVerification: true, pacing: limits },
      credential: { type: "accessToken", token },
      ...runArgs(c, report),
    });
    return { summary: m.summary };
  });
  try {
    const sum = (x: Record<string, number>): number => Object.values(x).reduce((a, b) => a + b, 0);
    const before = sum(kv.counters());
    await t.up();
    const requests = sum(kv.counters()) - before;
    const r = readReport(report);
    const allowed = limits.writeLimit / windowS;
    c.results.limitedRateFraction = r.counts.created / (r.durationMs / 1000) / allowed;
    c.results.limited429Fraction = kv.throttledCount() / Math.max(1, requests);
    c.results.limitedFailed = r.counts.failed;
    c.row(
      `limits on (300 writes + 4,000 others per ${windowS} s${windowS === 10 ? ", Key Vault's own" : ""}): ${r.counts.created} created, ${r.counts.failed} failed`,
      r.durationMs / 1000,
      `${(c.results.limitedRateFraction * 100).toFixed(0)}% of the allowed write rate (${allowed.toFixed(0)}/s), ${kv.throttledCount()} x 429 of ${requests} requests`,
    );
    return [
      ["7. limits on: ≥ 0.9 of the allowed write rate", c.results.limitedRateFraction >= 0.9, ratio(c.results.limitedRateFraction)],
      ["7. limits on: no failed secret", r.counts.failed === 0, `${r.counts.failed}`],
      ["7. limits on: 429s under 1% of requests", c.results.limited429Fraction < 0.01, `${(c.results.limited429Fraction * 100).toFixed(2)}%`],
    ];
  } finally {
    await t.remove();
    await kv.stop();
  }
}
