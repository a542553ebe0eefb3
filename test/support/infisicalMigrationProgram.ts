// InfisicalMigration stacks run through the real CLI and the Node language host (ts-node), as
// vaultMigrationProgram.ts does for VaultMigration (an inline program's minified code defeats the
// closure serializer). The program reads its migrations from `params.json` before every operation.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { InfisicalMigration, type InfisicalMigrationArgs } from "../../src/components/InfisicalMigration";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";
import { wrapStack, writeProgramProject, type TestStack } from "./pulumi";

/** Migrations of one program, arguments as plain JSON (the credentials made secrets by the program). */
export type InfisicalMigrationParams = { name: string; args: InfisicalMigrationArgs }[];

/** Entry of the generated program file: one InfisicalMigration per entry, outputs keyed by name. */
export function programFromFile(file: string): () => Promise<Record<string, unknown>> {
  return async () => {
    // Loaded here: the program runs in the language host, where this module is its entry.
    const pulumi = await import("@pulumi/pulumi");
    const out: Record<string, unknown> = {};
    for (const p of JSON.parse(fs.readFileSync(file, "utf8")) as InfisicalMigrationParams) {
      const m = new InfisicalMigration(p.name, { ...p.args, auth: pulumi.secret(p.args.auth), fingerprintKey: pulumi.secret(p.args.fingerprintKey), source: { ...p.args.source, connection: pulumi.secret(p.args.source.connection) } });
      out[p.name] = { pending: m.pending, summary: m.summary, drift: m.drift };
    }
    return out;
  };
}

/** Same interface as `testStack`; `params()` is re-read before every operation. */
export async function infisicalMigrationStack(name: string, params: () => InfisicalMigrationParams): Promise<TestStack> {
  const dir = path.join(repoRoot, ".state", "test", `${name}-${randomBytes(3).toString("hex")}`);
  const workDir = path.join(dir, "work");
  fs.mkdirSync(workDir, { recursive: true });
  const e = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(repoRoot, ".state", "test", "home"), passphrase: "test-passphrase" });
  writeProgramProject(workDir, e.PULUMI_BACKEND_URL, "test/support/infisicalMigrationProgram.ts");
  const writeInput = (): void => fs.writeFileSync(path.join(workDir, "params.json"), JSON.stringify(params()), { mode: 0o600 });
  writeInput();
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: "test", workDir }, { workDir, pulumiHome: e.PULUMI_HOME, envVars: e, pulumiCommand, secretsProvider: "passphrase" });
  return wrapStack(stack, { workDir, env: e, dir, beforeEach: writeInput });
}
