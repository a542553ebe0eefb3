// One copy of a KV v2 tree into a Key Vault, run in its own process by `npm run bench` so its peak
// memory can be measured. Modes:
//   raw        the same clients, read-from-source + write-to-destination concurrently; no planning, no verification
//   sequential one secret after another, read then write, like seed 003's scripts
//   migrate    the migration runner (plan + apply + verify) without Pulumi
// With `dest` set, the destination is a second Vault/OpenBao (KV v2) instead of the Key Vault.
// Input: JSON in argv[2]. Output: one JSON line {"ms":…, "secrets":…, "maxRssMb":…, "writes":…}.
import { keyVaultCredential } from "../../src/clients/keyvault/credentials";
import { KeyVaultSecretsClient } from "../../src/clients/keyvault/KeyVaultSecretsClient";
import { VaultClient } from "../../src/clients/vault/VaultClient";
import { readKvSecret, walkKv, writeKvSecret } from "../../src/clients/vault/kv";
import { mapConcurrent, shapeValue } from "../../src/engine";
import { applyRun } from "../../src/migration/applyRun";
import { openDestination } from "../../src/migration/destinations";
import { planRun } from "../../src/migration/planRun";
import { withDefaults } from "../../src/migration/settings";
import { VaultSource } from "../../src/migration/vaultSource";

interface Job {
  mode: "raw" | "sequential" | "migrate";
  vault: { address: string; token: string };
  mount: string;
  prefix: string;
  limit?: number;
  keyVault?: { vaultUrl: string; caCertPem: string; token: string };
  /** Key Vault pacing (limits on in the double); off when absent. */
  pacing?: { writeLimit: number; otherLimit: number; windowMs: number };
  /** A Vault/OpenBao destination instead of the Key Vault. */
  dest?: { address: string; token: string; mount: string; prefix: string };
  concurrency: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] as string) as Job;
  const conn = { address: job.vault.address, auth: { method: "token" as const, token: job.vault.token } };
  const started = performance.now();
  let secrets = 0;
  let planMs: number | undefined;
  if (job.mode === "migrate") {
    const settings = withDefaults({ migrationId: "bench/copy", mount: job.mount, prefix: job.prefix, kvVersion: 2, concurrency: job.concurrency });
    const source = await VaultSource.open(conn, settings);
    const key = "bench-fingerprint-key-0123456789";
    const dest = job.dest
      ? openDestination(
          { spec: { kind: "vault", address: job.dest.address, mount: job.dest.mount, prefix: job.dest.prefix, kvVersion: 2 }, credentials: { auth: { method: "token", token: job.dest.token } } },
          { fingerprintKey: key, settings, source },
        )
      : openDestination(
          {
            spec: { kind: "azure-keyvault", vaultUrl: job.keyVault!.vaultUrl, caCertPem: job.keyVault!.caCertPem, disableChallengeResourceVerification: true, pacing: job.pacing ?? false },
            credentials: { credential: { type: "accessToken", token: job.keyVault!.token } },
          },
          { fingerprintKey: key, settings, source },
        );
    const { plan, mappingHash } = await planRun(source, dest, settings, key);
    planMs = performance.now() - started;
    const report = await applyRun({ items: plan.items, source, destination: dest, fingerprintKey: key, mappingHash, migrationId: settings.migrationId, concurrency: job.concurrency });
    secrets = report.counts.created + report.counts.updated;
    if (report.counts.failed) throw new Error(`${report.counts.failed} failed`);
    await Promise.all([source.close(), dest.close()]);
  } else {
    const vault = VaultClient.connect(conn, { connections: job.concurrency });
    const d = job.dest;
    const destVault = d ? VaultClient.connect({ address: d.address, auth: { method: "token", token: d.token } }, { connections: job.concurrency }) : undefined;
    const kv = job.keyVault
      ? new KeyVaultSecretsClient({ vaultUrl: job.keyVault.vaultUrl, credential: keyVaultCredential({ type: "accessToken", token: job.keyVault.token }), caCertPem: job.keyVault.caCertPem, disableChallengeResourceVerification: true, pacing: false })
      : undefined;
    const copy = async (path: string): Promise<void> => {
      const v = await readKvSecret(vault, job.mount, 2, path);
      if (!v) return;
      if (d && destVault) {
        await writeKvSecret(destVault, d.mount, 2, `${d.prefix}${job.mode}/${path}`, v.data);
      } else {
        const shaped = shapeValue(path, v.data);
        if (!shaped.ok) throw shaped.error;
        await kv!.setSecret(`${job.mode}-${path.replace(/[^0-9a-zA-Z-]/g, "-")}`, shaped.value, { contentType: shaped.contentType });
      }
      secrets++;
    };
    let n = 0;
    const paths = (async function* () {
      for await (const p of walkKv(vault, job.mount, 2, { prefix: job.prefix })) {
        if (job.limit !== undefined && n++ >= job.limit) return;
        yield p;
      }
    })();
    if (job.mode === "sequential") {
      for await (const p of paths) await copy(p);
    } else {
      for await (const r of mapConcurrent(paths, job.concurrency, copy)) if (!r.ok) throw r.error;
    }
    await Promise.all([vault.close(), kv?.close(), destVault?.close()]);
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ms, secrets, maxRssMb: process.resourceUsage().maxRSS / 1024, cpuS: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6, ...(planMs !== undefined ? { planMs } : {}) }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
