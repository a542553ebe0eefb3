// A VaultMigration (or ScaiVaultMigration) stack run through the real CLI and the Node language host (ts-node), not as
// an inline program: under mocha (tsx) the inline program's code is minified esbuild output that
// Pulumi's closure serializer cannot parse (see test/support/migration.ts). The program reads its
// arguments from `params.json` next to it before every operation.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { ScaiVaultMigration, type ScaiVaultMigrationArgs } from "../../src/components/ScaiVaultMigration";
import { VaultMigration, type VaultMigrationArgs } from "../../src/components/VaultMigration";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";
import { wrapStack, writeProgramProject, type TestStack } from "./pulumi";

/** Migrations of one program, arguments as plain JSON (connections with their tokens, the key as a string). */
export type VaultMigrationParams = ({ name: string; kind?: "vault"; args: VaultMigrationArgs } | { name: string; kind: "scaivault"; args: ScaiVaultMigrationArgs })[];

/** Entry of the generated program file: one VaultMigration (or ScaiVaultMigration) per entry, outputs keyed by name. */
export function programFromFile(file: string): () => Promise<Record<string, unknown>> {
  return async () => {
    const out: Record<string, unknown> = {};
    for (const p of JSON.parse(fs.readFileSync(file, "utf8")) as VaultMigrationParams) {
      const m = p.kind === "scaivault" ? new ScaiVaultMigration(p.name, p.args) : new VaultMigration(p.name, p.args);
      out[p.name] = { pending: m.pending, summary: m.summary, drift: m.drift, ...(m.cutover ? { cutover: m.cutover } : {}) };
    }
    return out;
  };
}

/** Same interface as `testStack`; `params()` is re-read before every operation. */
export async function vaultMigrationStack(name: string, params: () => VaultMigrationParams): Promise<TestStack> {
  const dir = path.join(repoRoot, ".state", "test", `${name}-${randomBytes(3).toString("hex")}`);
  const workDir = path.join(dir, "work");
  fs.mkdirSync(workDir, { recursive: true });
  const e = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(repoRoot, ".state", "test", "home"), passphrase: "test-passphrase" });
  writeProgramProject(workDir, e.PULUMI_BACKEND_URL, "test/support/vaultMigrationProgram.ts");
  const writeInput = (): void => fs.writeFileSync(path.join(workDir, "params.json"), JSON.stringify(params()), { mode: 0o600 });
  writeInput();
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: "test", workDir }, { workDir, pulumiHome: e.PULUMI_HOME, envVars: e, pulumiCommand, secretsProvider: "passphrase" });
  return wrapStack(stack, { workDir, env: e, dir, beforeEach: writeInput });
}
