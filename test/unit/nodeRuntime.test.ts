// The project runs on one Node.js, package.json's `node` field: `npm test` starts mocha through
// scripts/with-node.sh, which puts that version first on PATH, and `engines` names its major.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { nodeBinDir, pinnedNodeVersion, repoRoot } from "../../scripts/lib/engine";

describe("Node.js runtime (package.json `node`)", () => {
  const pinned = pinnedNodeVersion();

  it("the tests run under the pinned version", () => {
    assert.match(pinned, /^\d+\.\d+\.\d+$/);
    assert.equal(process.version, `v${pinned}`, "run the tests with `npm test` (or `npm run test:unit`), which puts the pinned node first on PATH");
  });

  it("engines.node is the pinned major, so npm checks every package against it", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { engines: { node: string } };
    assert.equal(pkg.engines.node, `${pinned.split(".")[0]}.x`);
  });

  it("nodeBinDir(), the folder engineEnv puts first on the engine's PATH, is the node running the tests", () => {
    const bin = nodeBinDir();
    assert.equal(execFileSync(path.join(bin, "node"), ["--version"], { encoding: "utf8" }).trim(), `v${pinned}`);
    assert.equal(fs.realpathSync(path.join(bin, "node")), fs.realpathSync(process.execPath));
  });

  it("a `node` started from the tests' PATH is the pinned one (what npx, tsx and the engine's children get)", () => {
    assert.equal(execFileSync("node", ["--version"], { encoding: "utf8" }).trim(), `v${pinned}`);
  });
});
