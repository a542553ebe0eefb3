/**
 * Runs the Key Vault double as a process, persisted in a directory, for demos and manual runs:
 *
 *   npx tsx test/doubles/keyvault/cli.ts --dir <dir> [--port N] [--host 127.0.0.1|localhost]
 *       [--delete-delay-ms N] [--recover-delay-ms N] [--purge-delay-ms N] [--retention-days N]
 *       [--purge-protection] [--no-throttling]
 *
 * Writes <dir>/endpoint.json {vaultUrl, caFile, token, pid} (mode 0600; the token has all rights),
 * prints one line starting "keyvault-double ready", and on SIGTERM/SIGINT stops the server, saves,
 * removes endpoint.json and exits 0.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startKeyVaultDouble, type KeyVaultDoubleOptions } from "./server";

export const ENDPOINT_FILE = "endpoint.json";

export interface EndpointFile {
  vaultUrl: string;
  caFile: string;
  token: string;
  pid: number;
}

function usage(message: string): never {
  process.stderr.write(`keyvault-double: ${message}\nusage: cli.ts --dir <dir> [--port N] [--host 127.0.0.1|localhost] ` +
    "[--delete-delay-ms N] [--recover-delay-ms N] [--purge-delay-ms N] [--retention-days N] [--purge-protection] [--no-throttling]\n");
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { dir: string; options: KeyVaultDoubleOptions } {
  const options: KeyVaultDoubleOptions = {};
  let dir: string | undefined;
  const int = (flag: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v)) usage(`${flag} needs a non-negative integer`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case "--dir": dir = argv[++i]; break;
      case "--port": options.port = int(flag, argv[++i]); break;
      case "--host": {
        const h = argv[++i];
        if (h !== "127.0.0.1" && h !== "localhost") usage("--host must be 127.0.0.1 or localhost");
        options.host = h;
        break;
      }
      case "--delete-delay-ms": options.deleteDelayMs = int(flag, argv[++i]); break;
      case "--recover-delay-ms": options.recoverDelayMs = int(flag, argv[++i]); break;
      case "--purge-delay-ms": options.purgeDelayMs = int(flag, argv[++i]); break;
      case "--retention-days": options.retentionDays = int(flag, argv[++i]); break;
      case "--purge-protection": options.purgeProtection = true; break;
      case "--no-throttling": options.throttling = false; break;
      default: usage(`unknown argument ${String(flag)}`);
    }
  }
  if (!dir) usage("--dir is required");
  return { dir: resolve(dir), options };
}

/** True if endpoint.json names a live process: two doubles on one directory would overwrite each other's state. */
function ownerAlive(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const { pid } = JSON.parse(readFileSync(file, "utf8")) as Partial<EndpointFile>;
    if (typeof pid !== "number" || pid === process.pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { dir, options } = parseArgs(process.argv.slice(2));
  const endpointFile = join(dir, ENDPOINT_FILE);
  const owner = ownerAlive(endpointFile);
  if (owner !== undefined) usage(`${dir} is already served by process ${owner}`);

  const double = await startKeyVaultDouble({ ...options, persistDir: dir });
  const endpoint: EndpointFile = {
    vaultUrl: double.vaultUrl,
    caFile: double.caFile ?? "",
    token: double.issueToken(),
    pid: process.pid,
  };
  const tmp = `${endpointFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(endpoint, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, endpointFile);

  let exiting = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (exiting) return;
    exiting = true;
    double
      .stop()
      .then(() => {
        rmSync(endpointFile, { force: true });
        process.exit(0);
      })
      .catch((e: unknown) => {
        process.stderr.write(`keyvault-double: stop after ${signal} failed: ${String(e)}\n`);
        process.exit(1);
      });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.stdout.write(`keyvault-double ready ${double.vaultUrl} endpoint=${endpointFile}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`keyvault-double: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
