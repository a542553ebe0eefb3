// Sharded stacks from one description (src/program/shards.ts does the work; this reads and writes):
//
//   npm run shard -- <description.yaml|.json>            write stacks/Pulumi.<base>-<shard>.yaml
//   npm run shard -- <description> --check               exit 1 when a file is missing, stale or left over
//   npm run shard -- <description> --list                the shard stacks as a JSON list (a CI matrix)
//   options: --out-dir DIR (default stacks)
//
// A description with `discover` lists its shards from the source Vault (VAULT_ADDR, VAULT_TOKEN,
// VAULT_NAMESPACE, VAULT_CACERT unless the description's `vault` says): list permission only, no value read.
import * as fs from "node:fs";
import * as path from "node:path";
import { VaultClient } from "../src/clients/vault/VaultClient";
import {
  discoveryTarget,
  foldersOf,
  kvMountsOf,
  parseShardDescription,
  planShardFiles,
  resolveShards,
  type DiscoveredShard,
  type DiscoveryTarget,
  type ExistingStackFile,
  type ShardDescription,
} from "../src/program/shards";

// js-yaml ships without types (it comes with @pulumi/pulumi); this is the one function used.
const yaml = require("js-yaml") as { load(text: string): unknown };

const USAGE = "usage: npm run shard -- <description.yaml|.json> [--check | --list] [--out-dir DIR]";

interface Args {
  description: string;
  mode: "write" | "check" | "list";
  outDir: string;
}

function parseArgs(argv: string[]): Args {
  let description: string | undefined;
  let mode: Args["mode"] = "write";
  let outDir = "stacks";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--check") mode = "check";
    else if (a === "--list") mode = "list";
    else if (a === "--out-dir") outDir = argv[++i] ?? "";
    else if (a.startsWith("--out-dir=")) outDir = a.slice(10);
    else if (!a.startsWith("-") && description === undefined) description = a;
    else throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  if (!description || !outDir) throw new Error(USAGE);
  return { description, mode, outDir };
}

function load(file: string): unknown {
  const text = fs.readFileSync(file, "utf8");
  return file.endsWith(".json") ? JSON.parse(text) : yaml.load(text);
}

async function discover(d: ShardDescription, target: DiscoveryTarget): Promise<DiscoveredShard[]> {
  const address = (d.vault?.address as string | undefined) ?? process.env.VAULT_ADDR;
  const token = process.env.VAULT_TOKEN;
  if (!address || !token) throw new Error("[discover] lists the shards from the source Vault: set VAULT_ADDR (or vault.address) and VAULT_TOKEN");
  const caFile = (d.vault?.caCertFile as string | undefined) ?? process.env.VAULT_CACERT;
  // Namespace shards list the children of the parent namespace; the others look inside the one the description names.
  const namespace = target.key === "namespace" ? target.namespace : ((d.vault?.namespace as string | undefined) ?? process.env.VAULT_NAMESPACE);
  const client = VaultClient.connect({
    address,
    ...(namespace ? { namespace } : {}),
    ...(caFile ? { caCertPem: fs.readFileSync(caFile, "utf8") } : {}),
    ...(d.vault?.insecureSkipTlsVerify === true ? { insecureSkipTlsVerify: true } : {}),
    auth: { method: "token", token },
  });
  try {
    if (target.key === "mount") return kvMountsOf((await client.read("sys/mounts"))?.data);
    if (target.key === "namespace") return (await client.list("sys/namespaces")).sort().map((k) => ({ value: [target.namespace, k.replace(/\/+$/, "")].filter(Boolean).join("/") }));
    let kvVersion = target.kvVersion;
    if (!kvVersion) kvVersion = kvMountsOf((await client.read("sys/mounts"))?.data).find((m) => m.value === target.mount)?.kvVersion ?? 1;
    const listPath = kvVersion === 2 ? `${target.mount}/metadata/${target.prefix}` : `${target.mount}/${target.prefix}`;
    return foldersOf((await client.list(listPath)).sort(), target.prefix, `${target.mount}/${target.prefix ? `${target.prefix}/` : ""}`);
  } finally {
    await client.close();
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const descriptionPath = path.relative(process.cwd(), path.resolve(args.description)).split(path.sep).join("/");
  const d = parseShardDescription(load(args.description), descriptionPath);
  const target = discoveryTarget(d);
  const shards = resolveShards(d, target ? await discover(d, target) : undefined);
  if (args.mode === "list") {
    process.stdout.write(`${JSON.stringify(shards.map((s) => `${d.base}-${s.name}`))}\n`);
    return 0;
  }
  const outDir = path.resolve(args.outDir);
  const existing: ExistingStackFile[] = (fs.existsSync(outDir) ? fs.readdirSync(outDir) : [])
    .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
    .map((f) => {
      const text = fs.readFileSync(path.join(outDir, f), "utf8");
      let parsed: unknown;
      try {
        parsed = yaml.load(text);
      } catch {
        parsed = undefined;
      }
      return { file: f, text, parsed };
    });
  const plan = planShardFiles(d, shards, descriptionPath, existing);
  const rel = (f: string): string => path.relative(process.cwd(), path.join(outDir, f));
  if (plan.foreign.length) throw new Error(`${plan.foreign.map(rel).join(", ")}: not generated from ${descriptionPath} (no header naming it), so not overwritten: rename the shard (its [name]) or move the file`);
  const leftovers = plan.leftovers.map((f) => `${rel(f)}: no longer a shard of ${descriptionPath}; destroy its stack (pulumi destroy, pulumi stack rm), then delete the file`);
  if (args.mode === "check") {
    const stale = plan.files.filter((f) => !f.current).map((f) => `${rel(f.file)}: ${existing.some((e) => e.file === f.file) ? "stale" : "missing"}`);
    if (stale.length || leftovers.length) {
      process.stderr.write(`shard stacks of ${descriptionPath} are not current (run \`npm run shard -- ${descriptionPath}\`):\n  - ${[...stale, ...leftovers].join("\n  - ")}\n`);
      return 1;
    }
    process.stdout.write(`${plan.files.length} shard stack(s) of ${descriptionPath} current: ${plan.files.map((f) => f.stack).join(", ")}\n`);
    return 0;
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of plan.files) {
    if (f.current) continue;
    fs.writeFileSync(path.join(outDir, f.file), f.text);
    process.stdout.write(`wrote ${rel(f.file)}\n`);
  }
  process.stdout.write(`${plan.files.length} shard stack(s): ${plan.files.map((f) => f.stack).join(", ")}\n`);
  for (const l of leftovers) process.stderr.write(`warning: ${l}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`shard: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
