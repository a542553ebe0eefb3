// `npm run bench` (not a test): timings of the pieces every migration is built from, on real
// servers and the real engine. Prints a table and writes .bench/results.json.
//   --secrets N   secrets seeded into OpenBao (default 10000)
//   --parallel N  requests in flight (default 32)
import * as fs from "node:fs";
import * as path from "node:path";
import { VaultClient } from "../src/clients/vault/VaultClient";
import { VaultPolicy } from "../src/resources/VaultPolicy";
import { startOpenBaoDev, type OpenBaoServer } from "../test/support/openbao";
import { testStack } from "../test/support/pulumi";
import { repoRoot } from "./lib/engine";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg("secrets", 10_000);
const PARALLEL = arg("parallel", 32);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

/** Runs `fn` over 0..n-1 with `limit` in flight. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function walk(v: VaultClient, mount: string, prefix = ""): Promise<string[]> {
  const keys = await v.list(`${mount}/metadata/${prefix}`);
  const nested = await Promise.all(keys.filter((k) => k.endsWith("/")).map((k) => walk(v, mount, prefix + k)));
  return [...keys.filter((k) => !k.endsWith("/")).map((k) => prefix + k), ...nested.flat()];
}

async function main(): Promise<void> {
  const rows: [string, number, string][] = [];
  const bao: OpenBaoServer = await startOpenBaoDev();
  const v = VaultClient.connect({ address: bao.address, auth: { method: "token", token: bao.rootToken } }, { connections: PARALLEL });
  try {
    const path_ = (i: number): string => `bench/team-${i % 50}/svc-${i}`;
    const [, seed] = await timed(() => pool(N, PARALLEL, (i) => v.write(`secret/data/${path_(i)}`, { data: { username: `u${i}`, password: `p-${i}-${"x".repeat(24)}` } }, { idempotent: true }).then(() => undefined)));
    rows.push([`seed ${N} two-key KV v2 secrets`, seed, `${(N / seed).toFixed(0)}/s`]);
    const [paths, walkT] = await timed(() => walk(v, "secret", "bench/"));
    rows.push([`tree walk (LIST), ${paths.length} paths`, walkT, ""]);
    const [, meta] = await timed(() => pool(paths.length, PARALLEL, async (i) => void (await v.read(`secret/metadata/${paths[i]}`))));
    rows.push(["metadata GET of each", meta, `${(paths.length / meta).toFixed(0)}/s`]);
    const [, reads] = await timed(() => pool(paths.length, PARALLEL, async (i) => void (await v.read(`secret/data/${paths[i]}`))));
    rows.push(["value GET of each", reads, `${(paths.length / reads).toFixed(0)}/s`]);

    // The engine's own cost: a two-resource stack, created once, then no-change ups.
    const t = await testStack("bench-noop", async () => {
      for (const n of ["a", "b"]) new VaultPolicy(n, { connection: { address: bao.address, auth: { method: "token", token: bao.rootToken } }, name: `bench-${n}`, policy: 'path "x" { capabilities = ["read"] }' });
    });
    try {
      const [, create] = await timed(() => t.up());
      rows.push(["pulumi up, two-resource stack (create)", create, ""]);
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) samples.push((await timed(() => t.up()))[1]);
      rows.push(["pulumi up, two-resource stack (no change, median of 3)", samples.sort()[1], ""]);
    } finally {
      await t.remove();
    }
  } finally {
    await v.close();
    await bao.stop();
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${"measure".padEnd(width)}  seconds  rate`);
  for (const [name, s, rate] of rows) console.log(`${name.padEnd(width)}  ${s.toFixed(2).padStart(7)}  ${rate}`);
  const out = path.join(repoRoot, ".bench", "results.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ secrets: N, parallel: PARALLEL, at: new Date().toISOString(), rows: rows.map(([name, seconds, rate]) => ({ name, seconds, rate })) }, null, 2));
  console.log(`\nwritten to ${path.relative(repoRoot, out)}`);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
