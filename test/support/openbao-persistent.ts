// A persistent OpenBao for the demo: integrated raft storage in a data directory (OpenBao
// 2.x has no `file` backend), initialized once, unsealed on every start, on a port that
// stays the same between runs. Files in dataDir:
//   config.hcl   written on every start
//   raft/        the data
//   server.json  {"port", "clusterPort"}: chosen free the first time, reused after
//   init.json    unseal key + root token (mode 0600)
//   server.pid   pid of the running server, to stop one left behind by a killed run
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, healthStatus, OpenBaoServer, spawnBao, vaultRequest, waitUntil } from './openbao';

interface Ports {
  port: number;
  clusterPort: number;
}

interface Credentials {
  unsealKey: string;
  rootToken: string;
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

/** Writes via a temp file + rename so a crash never leaves a half-written file. */
function writeJson(path: string, value: unknown, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode });
  chmodSync(tmp, mode); // `mode` above is masked by the umask and ignored for existing files
  renameSync(tmp, path);
}

function hclString(s: string): string {
  // JSON escaping is valid HCL; template sequences would be interpolated, so refuse them
  if (/[$%]\{/.test(s)) throw new Error(`path not usable in an HCL config: ${s}`);
  return JSON.stringify(s);
}

function configHcl(dataDir: string, ports: Ports): string {
  return `# Written by test/support/openbao-persistent.ts on every start; edits are overwritten.
storage "raft" {
  path    = ${hclString(join(dataDir, 'raft'))}
  node_id = "node1"
  # raft's default timing (x5) makes a new single node wait ~10 s for its first election
  performance_multiplier = 1
}

# TLS is off ONLY because this is a local demo server listening on loopback alone;
# never copy this listener to anything reachable from another host.
listener "tcp" {
  address         = "127.0.0.1:${ports.port}"
  cluster_address = "127.0.0.1:${ports.clusterPort}"
  tls_disable     = true
}

api_addr     = "http://127.0.0.1:${ports.port}"
cluster_addr = "https://127.0.0.1:${ports.clusterPort}"
# No disable_mlock: OpenBao 2.x dropped mlock and warns about the field as unknown.
`;
}

/** Stops a server a previous (killed) run left on this data dir, which holds raft's lock. */
async function stopLeftover(dataDir: string, configPath: string): Promise<void> {
  const pidFile = join(dataDir, 'server.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // not running
  }
  // only a bao serving this very config: the pid may have been reused by something else
  if (!cmdline.includes('server') || !cmdline.includes(`-config=${configPath}`)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts (and on first use initializes) a raft-backed OpenBao whose data lives in
 * `dataDir`, unseals it and waits until it is the active node. `initialized` is true when
 * this call created the server's data (first start, or the raft data had been removed).
 * `opts.port` fixes the API port (and is remembered); otherwise the stored one is reused.
 */
export async function startPersistentOpenBao(
  dataDir: string,
  opts: { port?: number } = {},
): Promise<OpenBaoServer & { initialized: boolean }> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'raft'), { recursive: true, mode: 0o700 });

  const portsPath = join(dir, 'server.json');
  const stored = readJson<Ports>(portsPath);
  const port = opts.port ?? stored?.port ?? (await freePort());
  let clusterPort = stored?.clusterPort ?? (await freePort());
  if (clusterPort === port) clusterPort = await freePort();
  const ports: Ports = { port, clusterPort };
  if (stored?.port !== ports.port || stored?.clusterPort !== ports.clusterPort) writeJson(portsPath, ports);

  const configPath = join(dir, 'config.hcl');
  await stopLeftover(dir, configPath);
  writeFileSync(configPath, configHcl(dir, ports));

  const credsPath = join(dir, 'init.json');
  let creds = readJson<Credentials>(credsPath);
  const proc = spawnBao(['server', `-config=${configPath}`], {
    secrets: () => (creds ? [creds.rootToken, creds.unsealKey] : []),
  });
  writeFileSync(join(dir, 'server.pid'), `${proc.pid}\n`);
  const address = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(join(dir, 'server.pid'), { force: true });
  };

  let initialized = false;
  try {
    // any answer means the API is up: 501 not initialized, 503 sealed, 429 standby, 200 active
    await waitUntil(`the API on ${address}`, proc, async () => (await healthStatus(address)) !== undefined, 30_000);
    const status = await healthStatus(address);
    const anon = { address, rootToken: '' };
    if (status === 501) {
      // A fresh data dir (or one whose raft data was removed: old credentials unlock nothing).
      const init = await vaultRequest<{ keys_base64: string[]; root_token: string }>(anon, 'PUT', 'sys/init', {
        secret_shares: 1,
        secret_threshold: 1,
      });
      if (!init?.keys_base64?.[0] || !init.root_token) throw new Error('sys/init returned no unseal key or root token');
      creds = { unsealKey: init.keys_base64[0], rootToken: init.root_token };
      writeJson(credsPath, creds, 0o600);
      initialized = true;
    }
    if (!creds) throw new Error(`${dir} holds an initialized OpenBao but no ${credsPath}: cannot unseal it`);
    const unsealKey = creds.unsealKey;
    const sealed = await vaultRequest<{ sealed: boolean }>(anon, 'GET', 'sys/seal-status');
    if (sealed?.sealed) {
      const after = await vaultRequest<{ sealed: boolean }>(anon, 'PUT', 'sys/unseal', { key: unsealKey });
      if (after?.sealed) throw new Error(`still sealed after unseal (wrong key in ${credsPath}?)`);
    }
    // unsealed is not yet usable: the node must win the raft election and become active
    await waitUntil(`${address} to become active`, proc, async () => (await healthStatus(address)) === 200, 60_000);
  } catch (err) {
    await stop();
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n--- bao output ---\n${proc.output()}`);
  }
  return { address, rootToken: creds.rootToken, pid: proc.pid, stop, initialized };
}
