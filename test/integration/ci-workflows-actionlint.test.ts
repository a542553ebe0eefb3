// The example GitHub workflows lint clean: actionlint (built from Go modules by
// scripts/setup-actionlint.sh, cached in .engine/tools) on ci/examples/github/*.yml.
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
const githubDir = path.join(repoRoot, "ci", "examples", "github");

describe("CI examples (ci/examples): actionlint", function () {
  // A cold first run builds actionlint from Go modules.
  this.timeout(600_000);

  it("actionlint 1.7.12 finds nothing in ci/examples/github/*.yml", async () => {
    const out = execFileSync("bash", [path.join(repoRoot, "scripts", "setup-actionlint.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const bin = out.trim().split("\n").pop()!;
    assert.match(execFileSync(bin, ["-version"], { encoding: "utf8" }), /^v?1\.7\.12\b/);
    const files = fs.readdirSync(githubDir).filter((f) => f.endsWith(".yml")).sort().map((f) => path.join(githubDir, f));
    assert.deepEqual(files.map((f) => path.basename(f)), ["migration-deploy-shards.yml", "migration-deploy.yml", "migration-drift-shards.yml", "migration-drift.yml", "migration-preview-shards.yml", "migration-preview.yml"]);
    const result = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(bin, ["-no-color", ...files], { cwd: repoRoot }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr })),
    );
    assert.equal(result.code, 0, result.output);
  });
});
