// `npm run demo`: the main job on the embedded `local` stack, for real. Starts a persistent
// OpenBao (raft storage in .demo/, so a second run meets what the first one created), seeds a
// small KV v1/v2 tree once, runs `pulumi up` on the `local` stack through the real engine and
// language host, then `pulumi refresh` to show there is no drift, prints the outputs with the
// secret masked, and stops the servers. The destinations that cannot run here (Key Vault,
// ScaiVault, Infisical) are the project's test doubles, each persisted under .demo/ on a fixed port
// with fixed credentials, so the second run meets what the first one wrote (Infisical's Vault
// connection and sync included).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { InfisicalClient } from "../src/clients/infisical";
import { ScaiVaultClient } from "../src/clients/scaivault";
import { startInfisicalDouble, type InfisicalDouble } from "../test/doubles/infisical";
import { startKeyVaultDouble, type KeyVaultDouble } from "../test/doubles/keyvault";
import { startScaiVaultDouble, type ScaiVaultDouble } from "../test/doubles/scaivault";
import { startPersistentOpenBao } from "../test/support/openbao-persistent";
import { mountKv, vaultRequest, type OpenBaoServer } from "../test/support/openbao";
import { engineBinDir, engineEnv, LOCAL_STACK_PASSPHRASE, repoRoot } from "./lib/engine";

const demoDir = path.join(repoRoot, ".demo");

/** Sample secrets: KV v2 with nested paths, multi-key values and custom_metadata; a KV v1 tree. */
const SEED_V2: Record<string, { data: Record<string, string>; custom?: Record<string, string> }> = {
  "apps/billing/db": { data: { username: "billing", password: "demo-billing-db-pw" }, custom: { owner: "team-billing" } },
  "apps/billing/stripe": { data: { api_key: "demo-stripe-key-123" } },
  "apps/web/session": { data: { secret: "demo-web-session-secret" }, custom: { rotation: "90d", expires: "2030-01-01" } },
  "shared/salesforce/oauth": { data: { client_id: "sf-client", client_secret: "demo-sf-secret" } },
  "internal/not-migrated": { data: { value: "demo-outside-the-reader" } },
};
const SEED_V1: Record<string, Record<string, string>> = {
  "infra/ldap": { bind_password: "demo-ldap-bind" },
  "infra/smtp": { user: "mailer", password: "demo-smtp-pw" },
};

async function seed(bao: OpenBaoServer): Promise<number> {
  const mounts = (await vaultRequest<{ data: Record<string, unknown> }>(bao, "GET", "sys/mounts"))!.data;
  if (!mounts["secret/"]) await mountKv(bao, "secret", 2);
  if (!mounts["legacy/"]) await mountKv(bao, "legacy", 1);
  // The Vault-to-Vault migration's destination: namespace `consolidated` with a KV v2 mount `secret`.
  if (!(await vaultRequest(bao, "GET", "sys/namespaces/consolidated").catch(() => undefined))) await vaultRequest(bao, "POST", "sys/namespaces/consolidated", {});
  const nsMounts = (await vaultRequest<{ data: Record<string, unknown> }>(bao, "GET", "sys/mounts", undefined, { namespace: "consolidated" }))!.data;
  if (!nsMounts["secret/"]) await mountKv(bao, "secret", 2, { namespace: "consolidated" });
  let written = 0;
  // Only what is missing: rewriting would add KV v2 versions and make the second run differ.
  for (const [p, s] of Object.entries(SEED_V2)) {
    if (await vaultRequest(bao, "GET", `secret/metadata/${p}`).catch(() => undefined)) continue;
    await vaultRequest(bao, "POST", `secret/data/${p}`, { data: s.data });
    if (s.custom) await vaultRequest(bao, "POST", `secret/metadata/${p}`, { custom_metadata: s.custom });
    written++;
  }
  for (const [p, data] of Object.entries(SEED_V1)) {
    if (await vaultRequest(bao, "GET", `legacy/${p}`).catch(() => undefined)) continue;
    await vaultRequest(bao, "POST", `legacy/${p}`, data);
    written++;
  }
  return written;
}

/** A value kept in a 0600 file under .demo/, made on first use. */
function demoSecretFile(name: string, make: () => string): string {
  const file = path.join(demoDir, name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(demoDir, { recursive: true });
    fs.writeFileSync(file, make(), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** The local Key Vault (a test double of the data plane), on the same port and CA every run, its secrets kept in .demo/keyvault. */
async function startLocalKeyVault(): Promise<KeyVaultDouble> {
  const port = Number(demoSecretFile("keyvault-port", () => String(20000 + Math.floor(Math.random() * 20000))));
  return startKeyVaultDouble({ port, persistDir: path.join(demoDir, "keyvault"), deleteDelayMs: 500, recoverDelayMs: 500 });
}

/** The demo's fixed port for a double, chosen once. */
function demoPort(name: string): number {
  return Number(demoSecretFile(`${name}-port`, () => String(20000 + Math.floor(Math.random() * 20000))));
}

/** The local ScaiVault (a contract double), its secrets and backends kept in .demo/scaivault; the same token every run. */
async function startLocalScaiVault(): Promise<{ double: ScaiVaultDouble; token: string }> {
  const double = await startScaiVaultDouble({ port: demoPort("scaivault"), persistDir: path.join(demoDir, "scaivault") });
  // The scopes the stack needs (seed 001's service account), not admin.
  const token = double.issueToken(["secrets:read", "secrets:write", "secrets:list", "secrets:delete", "federation:read", "federation:write"], "sa:vault-migration-demo", demoSecretFile("scaivault-token", () => `skt_${randomBytes(18).toString("hex")}`));
  return { double, token };
}

/**
 * The local Infisical (a contract double), kept in .demo/infisical; the same machine identity every
 * run. It allows internal IPs (Infisical's ALLOW_INTERNAL_IP_CONNECTIONS=true): its sync reaches the
 * demo's OpenBao on 127.0.0.1. The project `secret` (the mount mapping's slug for the mount secret) is made here, as a user makes one in
 * Infisical before configuring a sync in it (the migration finds it by its slug); its id is the sync's.
 */
async function startLocalInfisical(): Promise<{ double: InfisicalDouble; clientId: string; clientSecret: string; projectId: string }> {
  const double = await startInfisicalDouble({ port: demoPort("infisical"), persistDir: path.join(demoDir, "infisical"), allowInternalIpConnections: true });
  const identity = double.createIdentity({
    clientId: demoSecretFile("infisical-client-id", () => `demo-${randomBytes(8).toString("hex")}`),
    clientSecret: demoSecretFile("infisical-client-secret", () => `inf-cs-${randomBytes(24).toString("hex")}`),
  });
  const client = new InfisicalClient({ siteUrl: double.siteUrl, auth: { method: "universal-auth", ...identity } });
  try {
    return { double, ...identity, projectId: (await client.ensureProject("secret", "secret")).id };
  } finally {
    await client.close();
  }
}

/** Seed 001 step 4's check: a read through the proxy-mode backend returns what OpenBao holds (compared here, never printed). */
async function proxyRead(bao: OpenBaoServer, url: string, token: string): Promise<string> {
  const scaiPath = "external/hashicorp/salesforce/oauth";
  const client = new ScaiVaultClient({ url, token, pacing: false });
  try {
    const viaProxy = await client.getSecret(scaiPath);
    const inBao = (await vaultRequest<{ data: { data: Record<string, unknown>; metadata: { version: number } } }>(bao, "GET", "secret/data/shared/salesforce/oauth"))!.data;
    const same = viaProxy !== undefined && JSON.stringify(Object.entries(viaProxy.data).sort()) === JSON.stringify(Object.entries(inBao.data).sort());
    return `${scaiPath} through backend vault-demo ${same ? `= OpenBao secret/shared/salesforce/oauth (version ${inBao.metadata.version})` : "DIFFERS from OpenBao secret/shared/salesforce/oauth"}`;
  } finally {
    await client.close();
  }
}

/**
 * The Infisical leg's summary lines: the migration's result, and each sync back into OpenBao with
 * its status and the keys at its destination as OpenBao holds them. Names and counts only, never a value.
 */
async function infisicalSummary(inf: InfisicalDouble, bao: OpenBaoServer): Promise<string[]> {
  // An auto-sync queued by the last apply's writes ends before its result is read.
  await inf.vaultSyncs.idle();
  const lines = [`Infisical: ${infisicalContents(inf)}`];
  for (const s of inf.vaultSyncs.syncs.values()) {
    const { mount, path: p } = s.destinationConfig;
    const held = (await vaultRequest<{ data: { data: Record<string, unknown>; metadata: { version: number } } }>(bao, "GET", `${mount}/data/${p}`).catch(() => undefined))?.data;
    const keys = Object.keys(held?.data ?? {}).sort();
    lines.push(`Infisical sync ${s.name} (${s.environment}:${s.secretPath} → OpenBao ${mount}/${p}): ${s.syncStatus ?? "never run"}${s.lastSyncMessage ? ` (${s.lastSyncMessage})` : ""}; OpenBao holds ${keys.length} keys there (${keys.join(", ")})${held ? `, version ${held.metadata.version}` : ""}`);
  }
  return lines;
}

/** What the migrations left in the local Infisical: keys per project/environment. */
function infisicalContents(inf: InfisicalDouble): string {
  const parts: string[] = [];
  for (const p of inf.store.projects) {
    for (const e of p.environments) {
      const folders = new Set([...e.secrets.keys()].map((k) => k.split("\u0000")[0]));
      if (e.secrets.size) parts.push(`${p.slug}/${e.slug}: ${e.secrets.size} keys in ${folders.size} folders`);
    }
  }
  return parts.join("; ") || "empty";
}

async function main(): Promise<void> {
  const started = Date.now();
  const bao = await startPersistentOpenBao(path.join(demoDir, "openbao"));
  let keyVault: KeyVaultDouble | undefined;
  let scaiVault: Awaited<ReturnType<typeof startLocalScaiVault>> | undefined;
  let infisical: Awaited<ReturnType<typeof startLocalInfisical>> | undefined;
  try {
    // One after the other: each started one is stopped in `finally` if a later one fails.
    keyVault = await startLocalKeyVault();
    scaiVault = await startLocalScaiVault();
    infisical = await startLocalInfisical();
    console.log(`local Key Vault (test double) at ${keyVault.vaultUrl} (data in .demo/keyvault)`);
    console.log(`local ScaiVault (contract double) at ${scaiVault.double.url} (data in .demo/scaivault)`);
    console.log(`local Infisical (contract double) at ${infisical.double.siteUrl} (data in .demo/infisical)`);
    console.log(`OpenBao ${bao.initialized ? "initialised" : "restarted"} at ${bao.address} (data in .demo/openbao)`);
    console.log(`seeded ${await seed(bao)} new secrets`);

    const env: Record<string, string> = {
      ...engineEnv({ backendDir: path.join(demoDir, "state"), pulumiHome: path.join(demoDir, "pulumi-home"), passphrase: LOCAL_STACK_PASSPHRASE }),
      VAULT_ADDR: bao.address,
      VAULT_TOKEN: bao.rootToken,
      DESTINATION_VAULT_ADDR: bao.address,
      DESTINATION_VAULT_TOKEN: bao.rootToken,
      AZURE_KEYVAULT_URL: keyVault.vaultUrl,
      AZURE_KEYVAULT_CA_FILE: keyVault.caFile ?? "",
      // The same token every run, as a long-lived credential would be: refresh reads with the stored one.
      AZURE_KEYVAULT_ACCESS_TOKEN: keyVault.issueToken(undefined, demoSecretFile("keyvault-token", () => `kvdemo.${randomBytes(24).toString("base64url")}`)),
      SCAIVAULT_URL: scaiVault.double.url,
      SCAIVAULT_TOKEN: scaiVault.token,
      INFISICAL_SITE_URL: infisical.double.siteUrl,
      INFISICAL_CLIENT_ID: infisical.clientId,
      INFISICAL_CLIENT_SECRET: infisical.clientSecret,
      INFISICAL_SYNC_PROJECT_ID: infisical.projectId,
      VAULT_MIGRATION_FINGERPRINT_KEY: demoSecretFile("fingerprint-key", () => randomBytes(32).toString("base64")),
    };
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "local", workDir: repoRoot }, { envVars: env, pulumiHome: env.PULUMI_HOME, pulumiCommand });
    const print = (s: string): void => void process.stdout.write(s);

    console.log("\n== pulumi up (stack local)");
    const up = await stack.up({ onOutput: print, color: "never" });
    console.log("\n== pulumi refresh (drift check)");
    const refresh = await stack.refresh({ onOutput: print, color: "never" });
    const drift = Object.entries(refresh.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n);
    const proxied = await proxyRead(bao, scaiVault.double.url, scaiVault.token);

    // A change in the source shows up in the plan as exactly one update.
    const changedPath = "apps/web/session";
    await vaultRequest(bao, "POST", `secret/data/${changedPath}`, { data: { secret: `demo-web-session-secret-${randomBytes(4).toString("hex")}` } });
    console.log(`\n== changed secret/${changedPath} in OpenBao; pulumi preview --diff`);
    const preview = await stack.preview({ onOutput: print, color: "never", diff: true });
    console.log("\n== pulumi up (apply that change)");
    const apply = await stack.up({ onOutput: print, color: "never" });

    console.log("\n== outputs");
    for (const [k, o] of Object.entries(up.outputs)) console.log(`  ${k}: ${o.secret ? "[secret]" : JSON.stringify(o.value)}`);
    const changed = Object.entries(up.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n);
    console.log("\n== summary");
    console.log(`  pulumi up: ${changed.length ? changed.map(([k, n]) => `${n} ${k}`).join(", ") : "no changes"} (${up.summary.resourceChanges?.same ?? 0} unchanged)`);
    console.log(`  pulumi refresh: ${drift.length ? `drift: ${drift.map(([k, n]) => `${n} ${k}`).join(", ")}` : "no drift"}`);
    // Diff lines of the migrations' `pending` inputs: `+ secret/apps/web/session → app-web-session : "update v2: …"`, sorted (the engine's order varies).
    const planned = preview.stdout.split("\n").filter((l) => /^\s*[+~]\s+\S+ → \S+\s*:/.test(l)).map((l) => l.trim().replace(/\s+/g, " ")).sort();
    console.log(`  after changing secret/${changedPath}: preview lists ${planned.length} pending secret(s): ${planned.join("; ")}`);
    console.log(`  pulumi up of that change: ${Object.entries(apply.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n).map(([k, n]) => `${n} ${k}`).join(", ") || "no changes"}`);
    const billing = [...scaiVault.double.store.secrets.values()].filter((x) => x.path.startsWith("environments/production/billing/") && x.deletedAt === undefined);
    console.log(`  ScaiVault: ${billing.length} secrets under environments/production/billing/ (versions ${billing.map((x) => x.current).join(", ")}), credentials at system/federation/vault-approle, backend vault-demo in proxy mode`);
    console.log(`  ScaiVault proxy read: ${proxied}`);
    for (const line of await infisicalSummary(infisical.double, bao)) console.log(`  ${line}`);
    console.log(`  reports: .demo/reports/*.md`);
    console.log(`  demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await keyVault?.stop();
    await scaiVault?.double.stop();
    await infisical?.double.stop();
    await bao.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
