// The example CI workflows and the GitLab example have the jobs and settings the README promises
// (that actionlint finds nothing in them is test/integration/ci-workflows-actionlint.test.ts: it
// builds actionlint from Go modules, which has no place in the unit tier).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseShardDescription, resolveShards } from "../../src/program/shards";

// js-yaml ships without types (it comes with @pulumi/pulumi); this is the one function used.
const yaml = require("js-yaml") as { load(text: string): unknown };

const repoRoot = path.resolve(__dirname, "..", "..");
const githubDir = path.join(repoRoot, "ci", "examples", "github");

describe("CI examples (ci/examples)", () => {
  it("the GitHub workflows use OIDC credentials, the ci scripts and one deploy per stack", () => {
    const read = (f: string): string => fs.readFileSync(path.join(githubDir, f), "utf8");
    for (const f of ["migration-preview.yml", "migration-deploy.yml", "migration-drift.yml", "migration-deploy-shards.yml", "migration-preview-shards.yml", "migration-drift-shards.yml"]) {
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

  /** The matrix of a sharded workflow: the generator's --list after its --check, fail-fast off. */
  const assertShardMatrix = (y: string, f: string): void => {
    assert.match(y, /run: npm run --silent shard -- "\$SHARDS" --check\n/, f);
    assert.match(y, /id: list\n\s+run: echo "stacks=\$\(npm run --silent shard -- "\$SHARDS" --list\)" >> "\$GITHUB_OUTPUT"/, f);
    assert.match(y, /outputs:\n\s+stacks: \$\{\{ steps\.list\.outputs\.stacks \}\}/, f);
    assert.match(y, /needs: shards\n[\s\S]*fail-fast: false[\s\S]*matrix:\n\s+stack: \$\{\{ fromJSON\(needs\.shards\.outputs\.stacks\) \}\}/, f);
    const shardsFile = /^\s+SHARDS: (\S+)/m.exec(y)?.[1];
    assert.ok(shardsFile && fs.existsSync(path.join(repoRoot, shardsFile)), `${f}: the workflow's description ${shardsFile} is in the repository`);
  };

  it("the sharded preview and drift: the same matrix, each shard's command on its own stack, its own comment or issue and concurrency group", () => {
    const preview = code(fs.readFileSync(path.join(githubDir, "migration-preview-shards.yml"), "utf8"));
    assertShardMatrix(preview, "migration-preview-shards.yml");
    assert.match(preview, /STACK: \$\{\{ matrix\.stack \}\}[\s\S]*npm run --silent ci:preview -- --stack "\$STACK"/);
    assert.match(preview, /header: migration-preview-\$\{\{ matrix\.stack \}\}/);
    assert.match(preview, /concurrency:\n\s+group: migration-preview-\$\{\{ matrix\.stack \}\}-\$\{\{ github\.event\.pull_request\.number \}\}/);
    const drift = code(fs.readFileSync(path.join(githubDir, "migration-drift-shards.yml"), "utf8"));
    assertShardMatrix(drift, "migration-drift-shards.yml");
    assert.match(drift, /STACK: \$\{\{ matrix\.stack \}\}[\s\S]*npm run --silent ci:drift -- --stack "\$STACK"/);
    assert.match(drift, /uses: actions\/github-script@v7\n\s+env:\n\s+STACK: \$\{\{ matrix\.stack \}\}/, "the issue names the shard's stack");
    assert.match(drift, /concurrency:\n\s+group: migration-\$\{\{ matrix\.stack \}\}-drift\n/);
  });

  it("the sharded deploy: the matrix is the generator's --list after its --check, one job per shard stack, each its own concurrency group, in the deploy environment", () => {
    const y = code(fs.readFileSync(path.join(githubDir, "migration-deploy-shards.yml"), "utf8"));
    assertShardMatrix(y, "migration-deploy-shards.yml");
    assert.match(y, /concurrency:\n\s+group: migration-\$\{\{ matrix\.stack \}\}\n\s+cancel-in-progress: false/);
    assert.match(y, /environment:\n\s+name: migration-prod\b/);
    assert.match(y, /STACK: \$\{\{ matrix\.stack \}\}[\s\S]*npm run --silent ci:up -- --stack "\$STACK"/);
    assert.match(y, /\.reports\/\$\{\{ matrix\.stack \}\}\//);
    const shardsFile = /^\s+SHARDS: (\S+)/m.exec(y)?.[1];
    assert.ok(shardsFile && fs.existsSync(path.join(repoRoot, shardsFile)), `the workflow's description ${shardsFile} is in the repository`);
  });

  it("the GitLab sharded deploy: its matrix lists exactly the example description's shard stacks, each its own resource_group", () => {
    const y = fs.readFileSync(path.join(repoRoot, "ci", "examples", "gitlab", ".gitlab-ci.yml"), "utf8");
    const job = gitlabJobs(y).get("migration:deploy-shard") ?? "";
    const listed = /matrix:\n\s+- STACK: \[([^\]]*)\]/.exec(job)?.[1]?.split(",").map((s) => s.trim());
    const shardsFile = /^\s+SHARDS: (\S+)/m.exec(code(y))?.[1] ?? "";
    const d = parseShardDescription(yaml.load(fs.readFileSync(path.join(repoRoot, shardsFile), "utf8")));
    assert.deepEqual(listed, resolveShards(d).map((s) => `${d.base}-${s.name}`), "the matrix is `npm run shard -- $SHARDS --list`");
    assert.match(job, /resource_group: migration-\$STACK\n/);
    assert.match(job, /needs: \[migration:shards:check\]/);
    assert.match(job, /VAULT_AUTH_ROLE: vault-migration-deploy\b/);
    assert.match(gitlabJobs(y).get("migration:shards:check") ?? "", /npm run --silent shard -- "\$SHARDS" --check/);
    // The preview and drift shards: the same matrix, each the job it extends (its identity, script
    // and resource_group) on its shard's stack.
    for (const [name, base] of [["migration:preview-shard", "migration:preview"], ["migration:drift-shard", "migration:drift"]] as const) {
      const shardJob = gitlabJobs(y).get(name) ?? "";
      assert.deepEqual(/matrix:\n\s+- STACK: \[([^\]]*)\]/.exec(shardJob)?.[1]?.split(",").map((s) => s.trim()), listed, `${name}: the same matrix`);
      assert.match(shardJob, new RegExp(`extends: ${base}\\n`), name);
      assert.match(shardJob, /needs: \[migration:shards:check\]/, name);
      assert.doesNotMatch(shardJob, /VAULT_AUTH_ROLE|AZURE_CLIENT_ID|environment:|script:/, `${name}: nothing of its own but the matrix and rules`);
    }
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

// The example files people copy: what a pull request can reach must stay read-only and apart from
// the deploy job. Each check is run on the real file and on an unsafe variant of it, so a check
// that stopped seeing its shape fails here too.
const code = (y: string): string => y.split("\n").map((l) => l.replace(/(^|\s)#.*$/, "")).join("\n");
const DEPLOY_IDENTITY = /vault-migration-deploy|DEPLOY_AZURE_CLIENT_ID|\bDEPLOY_[A-Z_]+/;

/** What makes the GitHub preview workflow unsafe to copy. */
function previewProblems(yaml: string): string[] {
  const y = code(yaml);
  const p: string[] = [];
  if (/pull_request_target/.test(y)) p.push("pull_request_target");
  if (!/^on:\n\s+pull_request:/m.test(y)) p.push("not triggered by pull_request");
  if (!/^\s+if: github\.event\.pull_request\.head\.repo\.full_name == github\.repository\s*$/m.test(y)) p.push("no same-repository condition");
  if (/^\s+environment:/m.test(y) || /migration-prod\b/.test(y)) p.push("deploy environment");
  if (DEPLOY_IDENTITY.test(y)) p.push("deploy identity");
  if (!/role: vault-migration-preview\b/.test(y)) p.push("not the preview Vault role");
  if ((y.match(/vars\.[A-Z_]*AZURE_CLIENT_ID/g) ?? []).some((v) => v !== "vars.PREVIEW_AZURE_CLIENT_ID")) p.push("not the preview Azure identity");
  return p;
}

/** What makes the GitHub drift workflow share the deploy job's identity. */
function driftProblems(yaml: string): string[] {
  const y = code(yaml);
  const p: string[] = [];
  if (DEPLOY_IDENTITY.test(y) || /name: migration-prod\b/.test(y)) p.push("deploy identity");
  if (!/role: vault-migration-drift\b/.test(y)) p.push("not the drift Vault role");
  if ((y.match(/vars\.[A-Z_]*AZURE_CLIENT_ID/g) ?? []).some((v) => v !== "vars.DRIFT_AZURE_CLIENT_ID")) p.push("not the drift Azure identity");
  if (!/environment:\n\s+name: migration-drift\b/.test(y)) p.push("not the drift environment");
  if (!/every value/.test(yaml)) p.push("does not say it reads every value");
  return p;
}

/** The top-level job blocks of a GitLab file, by name (comments removed). */
function gitlabJobs(yaml: string): Map<string, string> {
  const jobs = new Map<string, string>();
  const y = code(yaml);
  const re = /^([.\w:-]+):\s*\n((?:[ \t]+.*\n|\s*\n)*)/gm;
  for (const m of y.matchAll(re)) jobs.set(m[1]!, m[2]!);
  return jobs;
}

function gitlabProblems(yaml: string): string[] {
  const jobs = gitlabJobs(yaml);
  const p: string[] = [];
  const preview = jobs.get("migration:preview") ?? "";
  const deploy = jobs.get("migration:deploy") ?? "";
  const drift = jobs.get("migration:drift") ?? "";
  const shared = (jobs.get(".migration") ?? "") + (jobs.get("variables") ?? "");
  if (/^\s+(VAULT_AUTH_ROLE|AZURE_CLIENT_ID):/m.test(shared)) p.push("a role shared by every job");
  if (!/VAULT_AUTH_ROLE: vault-migration-preview\b/.test(preview) || !/AZURE_CLIENT_ID: \$PREVIEW_AZURE_CLIENT_ID\b/.test(preview)) p.push("preview: not its own identities");
  if (DEPLOY_IDENTITY.test(preview) || /environment:/.test(preview)) p.push("preview: deploy role, variables or environment");
  if (!/\$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == \$CI_PROJECT_ID/.test(preview)) p.push("preview: no same-project condition");
  if (!/VAULT_AUTH_ROLE: vault-migration-deploy\b/.test(deploy) || !/AZURE_CLIENT_ID: \$DEPLOY_AZURE_CLIENT_ID\b/.test(deploy)) p.push("deploy: not its own identities");
  if (!/VAULT_AUTH_ROLE: vault-migration-drift\b/.test(drift) || !/AZURE_CLIENT_ID: \$DRIFT_AZURE_CLIENT_ID\b/.test(drift)) p.push("drift: not its own identities");
  if (DEPLOY_IDENTITY.test(drift) || /environment:/.test(drift)) p.push("drift: deploy role, variables or environment");
  return p;
}

describe("CI examples (ci/examples): what a pull request can reach", () => {
  const gh = (f: string): string => fs.readFileSync(path.join(githubDir, f), "utf8");
  const gitlab = (): string => fs.readFileSync(path.join(repoRoot, "ci", "examples", "gitlab", ".gitlab-ci.yml"), "utf8");

  it("the GitHub preview: pull_request only, same repository, its own read-only identities, no deploy environment", () => {
    const y = gh("migration-preview.yml");
    assert.deepEqual(previewProblems(y), []);
    const unsafe: Array<[string, string, string]> = [
      ["pull_request_target", y.replace(/^on:\n  pull_request:/m, "on:\n  pull_request_target:"), "pull_request_target"],
      ["no same-repository condition", y.replace(/^\s+if: github\.event\.pull_request\.head\.repo\.full_name == github\.repository\n/m, ""), "no same-repository condition"],
      ["the deploy environment", y.replace(/^  preview:\n/m, "  preview:\n    environment: migration-prod\n"), "deploy environment"],
      ["the deploy Vault role", y.replace("role: vault-migration-preview", "role: vault-migration-deploy"), "deploy identity"],
      ["the deploy Azure identity", y.replace(/vars\.PREVIEW_AZURE_CLIENT_ID/g, "vars.DEPLOY_AZURE_CLIENT_ID"), "deploy identity"],
      ["an unnamed Azure identity", y.replace(/vars\.PREVIEW_AZURE_CLIENT_ID/g, "vars.AZURE_CLIENT_ID"), "not the preview Azure identity"],
    ];
    for (const [what, variant, problem] of unsafe) {
      assert.notEqual(variant, y, `${what}: the variant differs from the file`);
      assert.ok(previewProblems(variant).includes(problem), `${what} is caught (${previewProblems(variant).join(", ")})`);
    }
  });

  it("the sharded GitHub preview and drift: the same read-only and drift identities as the single-stack ones", () => {
    assert.deepEqual(previewProblems(gh("migration-preview-shards.yml")), []);
    assert.deepEqual(driftProblems(gh("migration-drift-shards.yml")), []);
    const y = gh("migration-preview-shards.yml");
    assert.ok(previewProblems(y.replace("role: vault-migration-preview", "role: vault-migration-deploy")).includes("deploy identity"));
    assert.ok(previewProblems(y.replace(/^  preview:\n/m, "  preview:\n    environment: migration-prod\n")).includes("deploy environment"));
  });

  it("the GitHub drift job says what it reads and has its own identity, not the deploy's", () => {
    const y = gh("migration-drift.yml");
    assert.deepEqual(driftProblems(y), []);
    for (const variant of [
      y.replace("role: vault-migration-drift", "role: vault-migration-deploy"),
      y.replace(/vars\.DRIFT_AZURE_CLIENT_ID/g, "vars.DEPLOY_AZURE_CLIENT_ID"),
      y.replace("name: migration-drift", "name: migration-prod"),
    ]) {
      assert.notEqual(variant, y);
      assert.ok(driftProblems(variant).length > 0, "sharing the deploy identity is caught");
    }
    // The deploy is the only job with the deploy identity, and it sits in the protected environment.
    const deploy = code(gh("migration-deploy.yml"));
    assert.match(deploy, /environment:\n\s+name: migration-prod\b/);
    assert.match(deploy, /role: vault-migration-deploy\b/);
    assert.match(deploy, /client-id: \$\{\{ vars\.DEPLOY_AZURE_CLIENT_ID \}\}/);
  });

  it("the GitLab jobs each log in with their own role; the preview runs for this project's merge requests only", () => {
    const y = gitlab();
    assert.deepEqual(gitlabProblems(y), []);
    const unsafe: Array<[string, string]> = [
      ["preview with the deploy role", y.replace("VAULT_AUTH_ROLE: vault-migration-preview", "VAULT_AUTH_ROLE: vault-migration-deploy")],
      ["preview with the deploy Azure identity", y.replace("AZURE_CLIENT_ID: $PREVIEW_AZURE_CLIENT_ID", "AZURE_CLIENT_ID: $DEPLOY_AZURE_CLIENT_ID")],
      ["preview for forks too", y.replace(' && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID', "")],
      ["drift with the deploy role", y.replace("VAULT_AUTH_ROLE: vault-migration-drift", "VAULT_AUTH_ROLE: vault-migration-deploy")],
      ["one role for every job", y.replace("  GOCACHE: \"$CI_PROJECT_DIR/.go-build\"\n", "  GOCACHE: \"$CI_PROJECT_DIR/.go-build\"\n  VAULT_AUTH_ROLE: vault-migration\n")],
    ];
    for (const [what, variant] of unsafe) {
      assert.notEqual(variant, y, `${what}: the variant differs from the file`);
      assert.ok(gitlabProblems(variant).length > 0, `${what} is caught`);
    }
  });
});
