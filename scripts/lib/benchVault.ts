// The Vault → OpenBao case of `npm run bench` (issue #22 targets 2, 4, 5): a second OpenBao dev
// server as the destination of the source tree `bench/` (n secrets; `small/` has the small tree).
// Run by the full bench after the Key Vault cases and alone by `--only vault`. What target 5 compares
// (the `pulumi up`, its state and preview, then the runner's memory) comes before the copy floors, so a
// run at 100,000 stopped for time has those figures first.
import * as fs from "node:fs";
import * as path from "node:path";
import { VaultMigration } from "../../src/components/VaultMigration";
import { plannedLines } from "../../test/support/migration";
import { startOpenBaoDev, vaultRequest } from "../../test/support/openbao";
import { testStack } from "../../test/support/pulumi";
import { kvTree, runArgs, type CaseContext } from "./benchDestinations";
import { child, floor, processCpuS, providerInState, stateResources, timed, withEnginePeakRss } from "./benchRun";
import { planInState } from "./benchTargets";
import { repoRoot } from "./engine";

export interface VaultCaseOptions {
  /** Secrets under `bench/` and under `small/`, both seeded already. */
  n: number;
  small: number;
}

export async function vaultCase(c: CaseContext, o: VaultCaseOptions): Promise<void> {
  const { bao, row, results } = c;
  const base = { vault: { address: bao.address, token: bao.rootToken }, mount: "secret", concurrency: c.parallel };
  const bao2 = await startOpenBaoDev();
  try {
    const dest = (prefix: string) => ({ address: bao2.address, token: bao2.rootToken, mount: "secret", prefix });
    const cpuNow = (): [number, number] => [processCpuS(bao.pid), processCpuS(bao2.pid)];
    const cpuRow = (what: string, before: [number, number], own: number, n: number): void => {
      const [src, dst] = cpuNow().map((x, i) => x - (before[i] as number));
      row(`  CPU of the ${what}: runner process / source server / destination server`, undefined, `${own.toFixed(1)} / ${(src as number).toFixed(1)} / ${(dst as number).toFixed(1)} s (${((1000 * (own + (src as number) + (dst as number))) / n).toFixed(2)} ms per secret)`);
    };

    const vReport = path.join(repoRoot, ".bench", "report-vault");
    const tv = await testStack("bench-vault", async () => {
      const m = new VaultMigration("bench-vault", {
        source: kvTree(bao, "bench/"),
        destination: kvTree(bao2, "migrated/"),
        ...runArgs(c, vReport),
      });
      return { summary: m.summary };
    });
    try {
      const [[, upV], upRss] = await withEnginePeakRss(() => timed(() => tv.up()));
      const report = JSON.parse(fs.readFileSync(`${vReport}.json`, "utf8")) as { durationMs: number; counts: { created: number } };
      if (report.counts.created !== o.n) throw new Error(`Vault migration created ${report.counts.created} of ${o.n}`);
      results.vaultFullRate = o.n / upV;
      results.vaultCopyRate = o.n / (report.durationMs / 1000);
      row(`Vault → OpenBao full copy: pulumi up of ${o.n}`, upV, `${results.vaultFullRate.toFixed(0)}/s`);
      row("  of which the copy phase (provider: read, markers + CAS write, verification)", report.durationMs / 1000, `${results.vaultCopyRate.toFixed(0)}/s`);
      results.vaultUpProviderRssMb = upRss.providerMb;
      results.vaultUpEngineRssMb = upRss.engineMb;
      results.vaultUpProgramRssMb = upRss.programMb;
      row("  peak RSS during it: the dynamic provider process / the program (planning; inline: the bench process) / the engine (sampled each second)", undefined, `${upRss.providerMb.toFixed(0)} MB / ${upRss.programMb.toFixed(0)} MB / ${upRss.engineMb.toFixed(0)} MB`);
      // The state while the plan is in it: the first `up` stores the plan it applied (`__pending`),
      // measured as the Key Vault case measures its state, the exported state over the secrets.
      const state = await tv.exportState();
      const plan = planInState(stateResources(state));
      results.vaultStatePendingBytesPerSecret = state.length / o.n;
      results.vaultStatePlanBytesPerSecret = plan.bytes / o.n;
      results.vaultProviderBytes = providerInState(state).bytes;
      row("Vault → OpenBao state after the first run (the plan applied in it)", undefined, `${(state.length / 1e6).toFixed(2)} MB, ${results.vaultStatePendingBytesPerSecret.toFixed(0)} bytes/secret; plan maps ${plan.entries} entries (${(plan.entries / o.n).toFixed(0)} a secret), ${results.vaultStatePlanBytesPerSecret.toFixed(0)} bytes/secret unindented`);
      const dl = await floor({ vault: { address: bao2.address, token: bao2.rootToken }, mount: "secret", concurrency: c.parallel, mode: "list", prefix: "migrated/" });
      results.vaultFloorDestListing = dl.ms / 1000;
      row(`Vault → OpenBao raw listing floor of the destination (${dl.secrets})`, results.vaultFloorDestListing);
      const [againV, againVT] = await timed(() => tv.up());
      const changedV = Object.entries(againV.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n);
      results.vaultNoChange = againVT;
      row(`Vault → OpenBao no-change re-run: pulumi up (${changedV.length ? "CHANGES" : "no changes"})`, againVT);
      const after = await tv.exportState();
      results.vaultStateAfterBytes = after.length;
      results.vaultStateAfterPlanEntries = planInState(stateResources(after)).entries;
      row("Vault → OpenBao state after the no-change run", undefined, `${(after.length / 1024).toFixed(1)} KB, ${results.vaultStateAfterPlanEntries} plan entries`);

      // One source secret among n changed: the preview's diff must hold its line and no other.
      const k = Math.floor(o.n / 2);
      const changed = `bench/team-${k % 50}/svc-${k}`;
      await vaultRequest(bao, "POST", `secret/data/${changed}`, { data: { username: `u${k}`, password: `p-${k}-changed-${"y".repeat(16)}` } });
      const [preview, previewT] = await timed(() => tv.preview(true));
      const lines = plannedLines(preview.stdout);
      results.vaultPreviewS = previewT;
      results.vaultPreviewLines = lines.size;
      results.vaultPreviewOneLine = lines.size === 1 && lines.get(`secret/${changed}`) === "update: source version changed" ? 1 : 0;
      row(`Vault → OpenBao pulumi preview --diff, 1 source secret of ${o.n} changed: ${lines.size} pending line(s)${results.vaultPreviewOneLine ? ", the changed one's" : ""}`, previewT);
    } finally {
      await tv.remove();
    }

    const smallV = await child({ ...base, mode: "migrate", prefix: "small/", dest: dest("m-small/") });
    const cpuLarge = cpuNow();
    const largeV = await child({ ...base, mode: "migrate", prefix: "bench/", dest: dest("m-large/") });
    results.vaultRssSmallMb = smallV.maxRssMb;
    results.vaultRssLargeMb = largeV.maxRssMb;
    row(`Vault → OpenBao peak RSS of the migration runner at ${o.small} / ${o.n}`, undefined, `${smallV.maxRssMb.toFixed(0)} MB / ${largeV.maxRssMb.toFixed(0)} MB`);
    row(`Vault → OpenBao migration runner without Pulumi (plan + copy) of ${o.n}`, largeV.ms / 1000, `${(largeV.secrets / (largeV.ms / 1000)).toFixed(0)}/s, planning ${((largeV.planMs ?? 0) / 1000).toFixed(2)} s`);
    cpuRow("migration runner", cpuLarge, largeV.cpuS, largeV.secrets);

    // The floors last: targets 2 compare with them; target 5 needs only what comes before.
    const rawV = await child({ ...base, mode: "raw", prefix: "bench/", dest: dest("raw/") });
    results.vaultRawRate = rawV.secrets / (rawV.ms / 1000);
    row(`Vault → OpenBao product-client floor: concurrent read + write, no Pulumi (${rawV.secrets})`, rawV.ms / 1000, `${results.vaultRawRate.toFixed(0)}/s`);
    const cpuFloor = cpuNow();
    const floorV = await floor({ ...base, mode: "copy", prefix: "bench/", dest: dest("floor/") });
    results.vaultFloorRate = floorV.secrets / (floorV.ms / 1000);
    row(`Vault → OpenBao raw copy floor: bare undici, list + GET + POST (${floorV.secrets})`, floorV.ms / 1000, `${results.vaultFloorRate.toFixed(0)}/s`);
    cpuRow("raw copy floor", cpuFloor, floorV.cpuS, floorV.secrets);
  } finally {
    await bao2.stop();
  }
}
