// ProviderByReference stands in for a provider class in the state: for a method the class does not
// have it must do what Pulumi's dynamic-provider host does for a provider lacking it, or a
// `pulumi refresh` of a resource without `read` (SourceRetirement) would fail.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { ProviderByReference } from "../../src/resources/providerByReference";

describe("ProviderByReference: methods the referenced class lacks", () => {
  // SourceRetirementProvider has `diff`, `create`, `update`, `delete`, and no `read`.
  const provider = new ProviderByReference<Record<string, unknown>, Record<string, unknown>>("src/resources/SourceRetirement.ts", "SourceRetirementProvider");

  it("read keeps the state as it is (the host's default), instead of failing", async () => {
    const props = { retired: { retired: 1, alreadyRetired: 0, held: 0, paths: ["secret/apps/a"] } };
    assert.deepEqual(await provider.read("retirement-id", props), { id: "retirement-id", props });
  });

  it("a class the module does not export is named in the error", async () => {
    const missing = new ProviderByReference("src/resources/SourceRetirement.ts", "NoSuchProvider");
    await assert.rejects(missing.read("x", {}), /src\/resources\/SourceRetirement\.ts exports no provider NoSuchProvider/);
  });
});

describe("loadByReference in a provider process", () => {
  const repoRoot = path.resolve(__dirname, "..", "..");
  let dir: string;
  before(() => {
    // loadByReference arrives in the provider process as JavaScript in the state: a JavaScript
    // copy of its module stands for it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "byref-"));
    const js = ts.transpileModule(fs.readFileSync(path.join(repoRoot, "src/resources/byReference.ts"), "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(dir, "byReference.js"), js);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Loads SourceRetirement.ts by reference in a fresh process with no loader, as the dynamic-provider host is, from `cwd`. */
  const loadIn = (cwd: string): { provider: string; tsNode: boolean } => {
    const script = [
      `const { loadByReference } = require(${JSON.stringify(path.join(dir, "byReference.js"))});`,
      `const m = loadByReference("src/resources/SourceRetirement.ts");`,
      `const loaded = Object.keys(require.cache);`,
      `console.log(JSON.stringify({ provider: typeof m.SourceRetirementProvider, tsNode: loaded.some((f) => /[\\\\/]node_modules[\\\\/]ts-node[\\\\/]/.test(f)) }));`,
    ].join("\n");
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "" };
    delete env.TSX_TSCONFIG_PATH;
    const out = execFileSync(process.execPath, ["-e", script], { cwd, encoding: "utf8", env });
    return JSON.parse(out.trim().split("\n").pop() as string) as { provider: string; tsNode: boolean };
  };

  it("compiles the referenced TypeScript with tsx's hook, not ts-node (about 1 s and 140 MB more per provider process start)", () => {
    assert.deepEqual(loadIn(repoRoot), { provider: "function", tsNode: false });
  });

  it("compiles it with the package's own tsconfig.json, whatever tsconfig the program's directory has", () => {
    // The provider process starts in the program's directory, whose tsconfig here maps an import of the package's modules elsewhere.
    // Under the checkout, so the provider process finds its node_modules/@pulumi/pulumi from there.
    fs.mkdirSync(path.join(repoRoot, ".state"), { recursive: true });
    const program = fs.mkdtempSync(path.join(repoRoot, ".state", "byref-program-"));
    try {
      fs.writeFileSync(path.join(program, "tsconfig.json"), JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@pulumi/pulumi": ["./not-pulumi.js"] } } }));
      fs.writeFileSync(path.join(program, "not-pulumi.js"), `throw new Error("compiled with the program's tsconfig");\n`);
      assert.deepEqual(loadIn(program), { provider: "function", tsNode: false });
    } finally {
      fs.rmSync(program, { recursive: true, force: true });
    }
  });
});
