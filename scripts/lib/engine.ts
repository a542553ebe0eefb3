// Where the offline Pulumi engine lives and the environment every run uses (demo, tests, bench, CI).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const repoRoot = path.resolve(__dirname, "..", "..");

interface PackageJson {
  engine: EngineVersions;
  /** The Node.js every script, test and engine process runs under (scripts/setup-node.sh). */
  node: string;
}

interface EngineVersions {
  pulumiCli: string;
  nodeLanguageHost: string;
}

function packageJson(): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as PackageJson;
}

function versions(): EngineVersions {
  return packageJson().engine;
}

/** The pinned Node.js version, package.json's `node` field, e.g. `24.22.3`. */
export function pinnedNodeVersion(): string {
  return packageJson().node;
}

/** The folder with the pinned `node`; installs it (scripts/setup-node.sh) if missing. */
export function nodeBinDir(): string {
  const version = pinnedNodeVersion();
  if (process.version === `v${version}`) return path.dirname(process.execPath);
  const bin = path.join(repoRoot, ".node", `v${version}`, "bin");
  if (fs.existsSync(path.join(bin, "node"))) return bin;
  const out = execFileSync("bash", [path.join(repoRoot, "scripts", "setup-node.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return out.trim().split("\n").pop() ?? bin;
}

/** The folder with `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`; builds them if missing. */
export function engineBinDir(): string {
  const v = versions();
  const bin = path.join(repoRoot, ".engine", `cli-v${v.pulumiCli}-host-v${v.nodeLanguageHost}`, "bin");
  if (!fs.existsSync(path.join(bin, "pulumi")) || !fs.existsSync(path.join(bin, "pulumi-language-nodejs"))) {
    execFileSync("bash", [path.join(repoRoot, "scripts", "setup-engine.sh")], { stdio: ["ignore", "ignore", "inherit"] });
  }
  return bin;
}

export interface EngineEnvOptions {
  /** Folder of the `file://` backend. */
  backendDir: string;
  /** PULUMI_HOME (plugins, credentials, workspace settings). */
  pulumiHome: string;
  /** Passphrase of the stacks' secrets provider. */
  passphrase: string;
}

/** Environment for the Pulumi CLI: offline, no update check, no plugin downloads, local state. */
export function engineEnv(o: EngineEnvOptions): Record<string, string> {
  fs.mkdirSync(o.backendDir, { recursive: true });
  fs.mkdirSync(o.pulumiHome, { recursive: true });
  const bin = engineBinDir();
  return {
    // The language host and the dynamic-provider plugin start `node` from PATH: the pinned one
    // comes first, whichever node runs the caller (`npx mocha` under the machine's node included).
    PATH: [bin, nodeBinDir(), process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_HOME: o.pulumiHome,
    PULUMI_BACKEND_URL: `file://${o.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: o.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    // Type checking is `npm run build`'s job; the engine only needs the program transpiled.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
  };
}

/** The passphrase of the embedded `local` stack. It protects nothing of value: the demo's servers are throwaway. */
export const LOCAL_STACK_PASSPHRASE = "vault-migration-local-demo";
