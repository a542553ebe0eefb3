// The example CI workflows and the GitLab example have the jobs and settings the README promises
// (that actionlint finds nothing in them is test/integration/ci-workflows-actionlint.test.ts: it
// builds actionlint from Go modules, which has no place in the unit tier).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
const githubDir = path.join(repoRoot, "ci", "examples", "github");

describe("CI examples (ci/examples)", () => {
  it("the GitHub workflows use OIDC credentials, the ci scripts and one deploy per stack", () => {
    const read = (f: string): string => fs.readFileSync(path.join(githubDir, f), "utf8");
    for (const f of ["migration-preview.yml", "migration-deploy.yml", "migration-drift.yml"]) {
      const y = read(f);
      assert.match(y, /id-token: write/, f);
      assert.match(y, /hashicorp\/vault-action@v3[\s\S]*method: jwt/, f);
      assert.match(y, /azure\/login@v2[\s\S]*client-id:[\s\S]*tenant-id:[\s\S]*subscription-id:/, f);
      assert.match(y, /\.engine/, `${f} caches the engine`);
      assert.doesNotMatch(y, /client-secret|VAULT_TOKEN:/, `${f} has no static credential`);
    }
    assert.match(read("migration-preview.yml"), /npm run --silent ci:preview/);
    assert.match(read("migration-deploy.yml"), /npm run --silent ci:up[\s\S]*/);
    assert.match(read("migration-deploy.yml"), /concurrency:\n\s+group: migration-prod\n\s+cancel-in-progress: false/);
    assert.match(read("migration-drift.yml"), /schedule:[\s\S]*npm run --silent ci:drift/);
  });

  it("the GitLab example has preview, deploy and drift jobs with resource_group and id_tokens", () => {
    const y = fs.readFileSync(path.join(repoRoot, "ci", "examples", "gitlab", ".gitlab-ci.yml"), "utf8");
    for (const job of ["migration:preview:", "migration:deploy:", "migration:drift:"]) assert.ok(y.includes(`\n${job}`), job);
    assert.match(y, /resource_group: migration-\$STACK/);
    assert.match(y, /id_tokens:\n\s+VAULT_ID_TOKEN:/);
    assert.match(y, /merge_request_event/);
    assert.match(y, /\$CI_COMMIT_BRANCH == \$CI_DEFAULT_BRANCH/);
    assert.match(y, /\$CI_PIPELINE_SOURCE == "schedule"/);
  });
});
