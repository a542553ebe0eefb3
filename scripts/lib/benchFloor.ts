// The bench's raw floors as bare undici loops (issue #22, target 1): no product client, no retry
// policy, no error shapes, just a keep-alive pool and `parallel` requests in flight, so what the
// product's clients add shows against it. Run in its own process by `npm run bench`. Modes:
//   list   walk a KV v2 tree (LIST on metadata/) and GET each secret's metadata
//   kvlist page through a Key Vault's secret list (25 a page, tags included: what a plan reads)
//   copy   list the tree, then GET each secret's data and write it to the destination
//          (a Vault/OpenBao KV v2 POST, or a Key Vault PUT /secrets/{name})
// Input: JSON in argv[2]. Output: one JSON line {"ms":…, "secrets":…}.
import { Agent, request } from "undici";

interface Job {
  mode: "list" | "copy" | "kvlist";
  vault: { address: string; token: string };
  mount: string;
  prefix: string;
  concurrency: number;
  dest?: { address: string; token: string; mount: string; prefix: string };
  keyVault?: { vaultUrl: string; caCertPem: string; token: string };
}

/** Runs `fn` over a growing queue with `limit` workers (a listed folder adds its children). */
async function drain<T>(queue: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (queue.length === 0 && active === 0) return resolve();
      while (active < limit && queue.length > 0) {
        const item = queue.shift() as T;
        active++;
        fn(item).then(() => {
          active--;
          pump();
        }, reject);
      }
    };
    pump();
  });
}

async function json<T>(res: Awaited<ReturnType<typeof request>>, what: string): Promise<T> {
  if (res.statusCode >= 300) throw new Error(`${what}: HTTP ${res.statusCode} ${await res.body.text()}`);
  return (await res.body.json()) as T;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] as string) as Job;
  const agent = new Agent({ connections: job.concurrency, keepAliveTimeout: 30_000, ...(job.keyVault ? { connect: { ca: job.keyVault.caCertPem } } : {}) });
  const vault = { dispatcher: agent, headers: { "x-vault-token": job.vault.token } };
  const started = performance.now();
  if (job.mode === "kvlist" && job.keyVault) {
    let n = 0;
    for (let url: string | null = `${job.keyVault.vaultUrl}/secrets?api-version=7.5&maxresults=25`; url; ) {
      const page: { value: unknown[]; nextLink: string | null } = await json(await request(url, { dispatcher: agent, headers: { authorization: `Bearer ${job.keyVault.token}` } }), "GET /secrets");
      n += page.value.length;
      url = page.nextLink;
    }
    await agent.close();
    console.log(JSON.stringify({ ms: performance.now() - started, secrets: n }));
    return;
  }
  // The walk: folders and, in `list` mode, each secret's metadata GET, in one pool.
  type Task = { kind: "folder" | "secret"; path: string };
  const leaves: string[] = [];
  const tasks: Task[] = [{ kind: "folder", path: job.prefix }];
  await drain(tasks, job.concurrency, async (t) => {
    if (t.kind === "folder") {
      const res = await request(`${job.vault.address}/v1/${job.mount}/metadata/${t.path}`, { ...vault, method: "LIST" as "GET" });
      const keys = (await json<{ data: { keys: string[] } }>(res, `LIST ${t.path}`)).data.keys;
      for (const k of keys) {
        if (k.endsWith("/")) tasks.push({ kind: "folder", path: `${t.path}${k}` });
        else if (job.mode === "list") tasks.push({ kind: "secret", path: `${t.path}${k}` });
        else leaves.push(`${t.path}${k}`);
      }
    } else {
      await json(await request(`${job.vault.address}/v1/${job.mount}/metadata/${t.path}`, vault), `GET metadata ${t.path}`);
      leaves.push(t.path);
    }
  });
  if (job.mode === "copy") {
    const d = job.dest;
    const kv = job.keyVault;
    await drain([...leaves], job.concurrency, async (p) => {
      const { data } = (await json<{ data: { data: Record<string, string> } }>(await request(`${job.vault.address}/v1/${job.mount}/data/${p}`, vault), `GET ${p}`)).data;
      if (d) {
        await json(await request(`${d.address}/v1/${d.mount}/data/${d.prefix}${p}`, { dispatcher: agent, method: "POST", headers: { "x-vault-token": d.token, "content-type": "application/json" }, body: JSON.stringify({ data }) }), `POST ${p}`);
      } else if (kv) {
        const name = `floor-${p.replace(/[^0-9a-zA-Z-]/g, "-")}`;
        const body = JSON.stringify({ value: JSON.stringify(data), contentType: "application/json" });
        await json(await request(`${kv.vaultUrl}/secrets/${name}?api-version=7.5`, { dispatcher: agent, method: "PUT", headers: { authorization: `Bearer ${kv.token}`, "content-type": "application/json" }, body }), `PUT ${name}`);
      }
    });
  }
  const ms = performance.now() - started;
  await agent.close();
  console.log(JSON.stringify({ ms, secrets: leaves.length, cpuS: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6 }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
