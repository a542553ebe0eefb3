// The processes the Pulumi engine starts run under the project's Node.js (package.json `node`):
// the language host starts the program with `node` from PATH, and the dynamic-provider plugin
// (`pulumi-resource-pulumi-nodejs`, a shell script) starts the provider the same way. engineEnv
// puts the pinned node first on that PATH, so this holds even when mocha itself was started by the
// machine's node (`npx mocha`), not through `npm test`.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { engineBinDir, engineEnv, pinnedNodeVersion, repoRoot } from "../../scripts/lib/engine";
import { wrapStack, type TestStack } from "../support/pulumi";

// A plain JS program (no tsx, no ts-node) with one dynamic resource whose provider reports the
// runtime of its own process; the program reports its own.
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create() {
    return { id: "runtime", outs: { version: process.version, execPath: process.execPath, pid: process.pid } };
  },
};
const seen = new pulumi.dynamic.Resource(provider, "runtime", { version: undefined, execPath: undefined, pid: undefined });
module.exports = {
  program: { version: process.version, execPath: process.execPath, pid: process.pid },
  provider: { version: seen.version, execPath: seen.execPath, pid: seen.pid },
};
`;

interface Runtime {
  version: string;
  execPath: string;
  pid: number;
}

describe("Node.js runtime of the engine's processes (real engine)", function () {
  this.timeout(300_000);
  let t: TestStack | undefined;

  after(async () => {
    await t?.destroy().catch(() => undefined);
    await t?.remove();
  });

  it("the language host's program and the dynamic provider both run under the pinned node", async () => {
    const dir = path.join(repoRoot, ".state", "test", `node-runtime-${randomBytes(3).toString("hex")}`);
    const workDir = path.join(dir, "work");
    fs.mkdirSync(workDir, { recursive: true });
    const env = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(repoRoot, ".state", "test", "home"), passphrase: "test-passphrase" });
    fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), `name: vmtest\nruntime: nodejs\nmain: index.js\nbackend:\n  url: ${env.PULUMI_BACKEND_URL}\n`);
    fs.writeFileSync(path.join(workDir, "index.js"), PROGRAM);
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "test", workDir }, { workDir, pulumiHome: env.PULUMI_HOME, envVars: env, pulumiCommand, secretsProvider: "passphrase" });
    t = wrapStack(stack, { workDir, env, dir });

    const up = await t.up();
    const program = up.outputs.program?.value as Runtime;
    const provider = up.outputs.provider?.value as Runtime;
    const pinned = `v${pinnedNodeVersion()}`;
    assert.equal(program.version, pinned, `the program ran under ${program.execPath}`);
    assert.equal(provider.version, pinned, `the provider ran under ${provider.execPath}`);
    // Two processes of their own, neither of them this test's.
    assert.notEqual(program.pid, process.pid);
    assert.notEqual(provider.pid, process.pid);
    assert.notEqual(provider.pid, program.pid);
  });
});
