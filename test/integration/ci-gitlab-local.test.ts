// The GitLab example pipeline (ci/examples/gitlab/.gitlab-ci.yml) run for real by gitlab-ci-local
// (npm; `--force-shell-executor`: each job's before_script and script in a shell here, no container
// image), on a copy of this working tree that is its own git repository, against a real OpenBao
// dev server and the Key Vault double. The Vault login step is the example's own curl line against
// OpenBao's `jwt` auth method, with ID tokens this test signs with its own key and roles bound to
// GitLab's claims as README describes (no GitLab needed). Checked:
//   - the rules: which pipeline (merge request, a fork's merge request, push, schedule) runs which job;
//   - preview: exits as documented (changes pending is not a failure), leaves migration-plan.md as
//     its artifact and posts it as a merge request note, writes nothing;
//   - a refused login fails the job at the login, before the migration runs;
//   - deploy: copies, and a second deploy converges with no write;
//   - drift: a value edited by hand fails the job, and its Markdown names the secret;
//   - no seeded value, token or ID token in any job log, artifact or note;
//   - a sharded migration: once `npm run shard` wrote the example's shard stacks, the matrices expand
//     to one preview (merge request), deploy (push) and drift (schedule) job per shard stack, and
//     the --check job fails when they are stale.
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";
import { renderPreviewPolicy, renderReaderPolicy, type ReaderSource } from "../../src/components/readerPolicy";
import { startKeyVaultDouble, staticTokenCredential, type KeyVaultDouble } from "../doubles/keyvault";
import { mountKv, startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets } from "../support/pulumi";

const PROJECT_PATH = "platform/vault-migration";
const PROJECT_ID = "4242";
const ISSUER = "https://gitlab.example.com";
const PIPELINE_FILE = "ci/examples/gitlab/.gitlab-ci.yml";

interface JobRun {
  code: number;
  output: string;
}

/** A GitLab ID token's claims for one kind of pipeline (the subset the roles bind). */
type Claims = Record<string, string>;

/** An RS256 JWT, as GitLab signs its ID tokens. */
function signJwt(key: KeyObject, claims: Claims, aud: string): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: "RS256", typ: "JWT", kid: "test" })}.${b64({ iss: ISSUER, aud, iat: now, nbf: now - 5, exp: now + 900, ...claims })}`;
  return `${body}.${sign("sha256", Buffer.from(body), key).toString("base64url")}`;
}

/**
 * A stand-in for GitLab's merge request notes endpoint (the one request the preview job makes to
 * GitLab), recording what it was sent.
 */
interface NotesDouble {
  url: string;
  notes: { path: string; token: string | undefined; body: string }[];
  close(): Promise<void>;
}

async function startNotesDouble(): Promise<NotesDouble> {
  const notes: NotesDouble["notes"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST" && /^\/api\/v4\/projects\/\d+\/merge_requests\/\d+\/notes$/.test(req.url ?? "")) {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { body: string };
        notes.push({ path: req.url ?? "", token: req.headers["private-token"] as string | undefined, body: parsed.body });
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id: notes.length }));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v4`, notes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("ci/examples/gitlab/.gitlab-ci.yml run by gitlab-ci-local (OpenBao jwt login → Key Vault double)", function () {
  const id = randomBytes(3).toString("hex");
  const stack = `gltest-${id}`;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vault-migration-gitlab-"));
  const work = path.join(scratch, "repo");
  const passphrase = `gl-test-${randomBytes(8).toString("hex")}`;
  const apiToken = `glpat-${randomBytes(12).toString("hex")}`;
  const texts: Record<string, string> = {};
  const seeded: string[] = [apiToken];
  const sources: ReaderSource[] = [{ mount: "glapps", kvVersion: 2, prefixes: ["apps/"] }];
  let bao: OpenBaoServer;
  let kv: KeyVaultDouble;
  let client: SecretClient;
  let notes: NotesDouble;
  let env: NodeJS.ProcessEnv;
  let signingKey: KeyObject;
  let runs = 0;

  const value = (label: string): string => {
    const v = `SEEDVAL-gl-${label}-${randomBytes(8).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const git = (...args: string[]): string => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: work, encoding: "utf8" });
  const glc = path.join(repoRoot, "node_modules", ".bin", "gitlab-ci-local");

  /** gitlab-ci-local in the copy; never blocks this process (the Key Vault double serves from it). */
  function gitlabCiLocal(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<JobRun> {
    return new Promise((resolve) => {
      execFile(glc, ["--file", PIPELINE_FILE, "--force-shell-executor", ...args], { cwd: work, env: { ...env, ...extraEnv }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
        resolve({ code, output: stdout + stderr });
      });
    });
  }

  /** The variables GitLab sets for a kind of pipeline (gitlab-ci-local derives the rest from git). */
  const pipeline = {
    mergeRequest: { CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_SOURCE_PROJECT_ID: PROJECT_ID, CI_MERGE_REQUEST_IID: "7" },
    forkMergeRequest: { CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_SOURCE_PROJECT_ID: "9999", CI_MERGE_REQUEST_IID: "8" },
    push: { CI_PIPELINE_SOURCE: "push" },
    schedule: { CI_PIPELINE_SOURCE: "schedule" },
  } satisfies Record<string, Record<string, string>>;

  const variableArgs = (vars: Record<string, string>): string[] => {
    const all: Record<string, string> = { STACK: stack, CI_PROJECT_ID: PROJECT_ID, CI_PROJECT_PATH: PROJECT_PATH, CI_API_V4_URL: notes.url, ...vars };
    const predefined = Object.keys(all).filter((k) => k.startsWith("CI_"));
    return [...Object.entries(all).flatMap(([k, v]) => ["--variable", `${k}=${v}`]), "--ignore-predefined-vars", predefined.join(",")];
  };

  /** The jobs a pipeline of this kind would run, by the example's own rules. */
  async function jobsOf(vars: Record<string, string>): Promise<string[]> {
    const r = await gitlabCiLocal(["--list-json", ...variableArgs(vars)]);
    assert.equal(r.code, 0, r.output);
    const listed = JSON.parse(r.output.slice(r.output.indexOf("["), r.output.lastIndexOf("]") + 1)) as { name: string; when: string }[];
    return listed.filter((j) => j.when !== "never").map((j) => j.name);
  }

  /** Runs one job of the example as GitLab would for this pipeline, with this job's ID token. */
  async function job(name: string, vars: Record<string, string>, claims: Claims): Promise<JobRun & { artifact(file: string): string | undefined }> {
    // gitlab-ci-local keeps each job's artifacts under .gitlab-ci-local/artifacts/<its own encoding
    // of the job name>/: emptied before each job, so whatever is there is this job's.
    const artifacts = path.join(work, ".gitlab-ci-local", "artifacts");
    fs.rmSync(artifacts, { recursive: true, force: true });
    for (const f of ["migration-plan.md", "migration-run.md", "migration-drift.md"]) fs.rmSync(path.join(work, f), { force: true });
    const idToken = signJwt(signingKey, claims, bao.address);
    seeded.push(idToken);
    const r = await gitlabCiLocal([name, ...variableArgs(vars)], { VAULT_ID_TOKEN: idToken, GITLAB_API_TOKEN: apiToken });
    const n = ++runs;
    texts[`run ${n} ${name} output`] = r.output;
    const artifact = (file: string): string | undefined => {
      const dirs = fs.existsSync(artifacts) ? fs.readdirSync(artifacts) : [];
      const p = dirs.map((d) => path.join(artifacts, d, file)).find((f) => fs.existsSync(f));
      if (!p) return undefined;
      const text = fs.readFileSync(p, "utf8");
      texts[`run ${n} ${name} artifact ${file}`] = text;
      return text;
    };
    return { ...r, artifact };
  }

  const claimsFor = {
    preview: { sub: `project_path:${PROJECT_PATH}:ref_type:branch:ref:add-migration-stack`, project_path: PROJECT_PATH, pipeline_source: "merge_request_event", ref_protected: "false" },
    deploy: { sub: `project_path:${PROJECT_PATH}:ref_type:branch:ref:main`, project_path: PROJECT_PATH, pipeline_source: "push", ref_protected: "true", environment: `migration-${stack}`, environment_protected: "true" },
    drift: { sub: `project_path:${PROJECT_PATH}:ref_type:branch:ref:main`, project_path: PROJECT_PATH, pipeline_source: "schedule", ref_protected: "true" },
  } satisfies Record<string, Claims>;

  before(async function () {
    bao = await startOpenBaoDev();
    kv = await startKeyVaultDouble({ deleteDelayMs: 100, recoverDelayMs: 100 });
    notes = await startNotesDouble();
    const kvToken = kv.issueToken();
    const fingerprintKey = `fp-key-${randomBytes(16).toString("hex")}`;
    seeded.push(kvToken, fingerprintKey, bao.rootToken);
    client = new SecretClient(kv.vaultUrl, staticTokenCredential(kvToken), {
      tlsOptions: { ca: kv.caCertPem },
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 },
    });

    await mountKv(bao, "glapps", 2);
    for (const [p, k] of [
      ["apps/billing/db", "password"],
      ["apps/web/session", "secret"],
      ["apps/web/api", "key"],
    ]) {
      await vaultRequest(bao, "POST", `glapps/data/${p}`, { data: { [k]: value(p) } });
    }

    // Vault's side of the three identities (README, "Three jobs, three identities"): the policies
    // the project renders, and JWT roles bound to GitLab's ID token claims.
    const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    signingKey = keys.privateKey;
    await vaultRequest(bao, "POST", "sys/auth/jwt", { type: "jwt" });
    await vaultRequest(bao, "POST", "auth/jwt/config", { jwt_validation_pubkeys: [keys.publicKey.export({ type: "spki", format: "pem" })], bound_issuer: ISSUER });
    const policies = { "vault-migration-preview": renderPreviewPolicy(sources), "vault-migration-deploy": renderReaderPolicy(sources), "vault-migration-drift": renderReaderPolicy(sources) };
    for (const [name, policy] of Object.entries(policies)) await vaultRequest(bao, "PUT", `sys/policies/acl/${name}`, { policy });
    const bound: Record<string, Claims> = {
      "vault-migration-preview": { project_path: PROJECT_PATH, pipeline_source: "merge_request_event" },
      "vault-migration-deploy": { project_path: PROJECT_PATH, environment: `migration-${stack}`, environment_protected: "true" },
      "vault-migration-drift": { project_path: PROJECT_PATH, pipeline_source: "schedule", ref_protected: "true" },
    };
    for (const [role, claims] of Object.entries(bound)) {
      await vaultRequest(bao, "POST", `auth/jwt/role/${role}`, { role_type: "jwt", user_claim: "sub", bound_audiences: [bao.address], bound_claims: claims, token_policies: [role], token_ttl: "15m" });
    }

    // A copy of this working tree (tracked and new files, timestamps kept) as its own repository
    // on `main`, with the heavy installed pieces linked in. package-lock.json keeps its time, so
    // the jobs' `npm run setup` finds node_modules current and never runs `npm ci` into the link.
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" }).split("\0").filter((f) => f && fs.existsSync(path.join(repoRoot, f)));
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
      fs.cpSync(path.join(repoRoot, f), path.join(work, f), { preserveTimestamps: true });
    }
    for (const d of ["node_modules", ".engine", ".venv", ".node"]) {
      if (fs.existsSync(path.join(repoRoot, d))) fs.symlinkSync(path.join(repoRoot, d), path.join(work, d));
    }
    const lockTime = (p: string): number => fs.statSync(path.join(p)).mtimeMs;
    assert.ok(lockTime(path.join(work, "package-lock.json")) <= lockTime(path.join(repoRoot, "node_modules", ".package-lock.json")), "node_modules is older than package-lock.json: run `npm run setup` first");
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    git("remote", "add", "origin", `${ISSUER}/${PROJECT_PATH}.git`);
    // What a clone knows of its remote: `origin/main` (rules:changes compare with it) and its HEAD.
    git("update-ref", "refs/remotes/origin/main", "HEAD");
    git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");

    // The merge request: a branch that adds the stack.
    git("checkout", "-q", "-b", "add-migration-stack");
    fs.writeFileSync(
      path.join(work, "stacks", `Pulumi.${stack}.yaml`),
      [
        "config:",
        "  vault-migration:migrations:",
        "    - name: apps-to-keyvault",
        "      source: { mount: glapps, prefix: apps/ }",
        "      destination: { disableChallengeResourceVerification: true }",
        "      credential: { type: accessToken }",
        "      mapping:",
        "        rules:",
        '          - { match: "apps/*/*", name: "app-{1}-{2}" }',
        "",
      ].join("\n"),
    );
    const caFile = path.join(scratch, "keyvault-ca.pem");
    fs.writeFileSync(caFile, kv.caCertPem);
    const eenv = engineEnv({ backendDir: path.join(scratch, "backend"), pulumiHome: path.join(scratch, "home"), passphrase });
    const rsyncBin = execFileSync("bash", [path.join(repoRoot, "scripts", "setup-rsync.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop() ?? "";
    // The project's CI/CD variables; VAULT_TOKEN is not one: each job gets its own from its login.
    env = {
      ...process.env,
      ...eenv,
      PATH: [rsyncBin, eenv.PATH].join(path.delimiter),
      VAULT_ADDR: bao.address,
      AZURE_KEYVAULT_URL: kv.vaultUrl,
      AZURE_KEYVAULT_CA_FILE: caFile,
      AZURE_KEYVAULT_ACCESS_TOKEN: kvToken,
      VAULT_MIGRATION_FINGERPRINT_KEY: fingerprintKey,
    };
    delete env.VAULT_TOKEN;
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
    await LocalWorkspace.createStack({ stackName: stack, workDir: work }, { envVars: eenv, pulumiHome: eenv.PULUMI_HOME, pulumiCommand });
    git("add", "-A");
    git("commit", "-q", "-m", `Add the ${stack} migration stack`);
  });

  after(async () => {
    await kv?.stop();
    await bao?.stop();
    await notes?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("the rules: a merge request of this project runs the preview, a fork's runs nothing, a push to main the deploy, a schedule the drift check", async () => {
    assert.deepEqual(await jobsOf(pipeline.mergeRequest), ["migration:preview"]);
    assert.deepEqual(await jobsOf(pipeline.forkMergeRequest), []);
    // A push of the merge request's branch itself runs nothing either (it is not the default branch).
    assert.deepEqual(await jobsOf(pipeline.push), []);
    assert.deepEqual(await jobsOf(pipeline.schedule), ["migration:drift"]);
  });

  it("preview on the merge request: the job passes with changes pending, leaves the plan as its artifact and posts it as a note; nothing is written", async () => {
    const r = await job("migration:preview", pipeline.mergeRequest, claimsFor.preview);
    assert.equal(r.code, 0, r.output);
    const plan = r.artifact("migration-plan.md");
    assert.ok(plan, `migration-plan.md is the job's artifact:\n${r.output}`);
    assert.match(plan, new RegExp(`^## Migration preview: stack \`${stack}\``));
    assert.match(plan, /\*\*Secrets:\*\* 3 to create, 0 to update, 0 to delete/, plan);
    for (const p of ["apps/billing/db", "apps/web/api", "apps/web/session"]) assert.ok(plan.includes(`\`glapps/${p}\``), `${p} in the plan:\n${plan}`);
    assert.equal(notes.notes.length, 1, "one note posted");
    assert.equal(notes.notes[0].path, `/api/v4/projects/${PROJECT_ID}/merge_requests/7/notes`);
    assert.equal(notes.notes[0].token, apiToken);
    assert.equal(notes.notes[0].body, plan, "the note is the plan");
    texts["note 1"] = notes.notes[0].body;
    const names: string[] = [];
    for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
    assert.deepEqual(names, [], "the preview wrote nothing");
  });

  it("a refused Vault login fails the job at the login, before the migration runs (and a preview token cannot log in as the deploy)", async () => {
    // The merge request's token presented for the deploy's role: refused by the role's bound claims.
    const login = await fetch(`${bao.address}/v1/auth/jwt/login`, { method: "POST", body: JSON.stringify({ role: "vault-migration-deploy", jwt: signJwt(signingKey, claimsFor.preview, bao.address) }) });
    assert.ok(login.status === 400 || login.status === 403, `login as the deploy with the preview's token: ${login.status}`);
    // The preview job with a push pipeline's token: its own role refuses it.
    const r = await job("migration:preview", pipeline.mergeRequest, { ...claimsFor.preview, pipeline_source: "push" });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /auth\/jwt\/login/, r.output);
    // gitlab-ci-local echoes each command it starts (`<job> $ <command>`): the script's never started.
    assert.ok(r.output.includes("$ npm run setup"), r.output);
    assert.ok(!r.output.includes("npm run --silent ci:preview"), `the job stopped at the login:\n${r.output}`);
    assert.equal(r.artifact("migration-plan.md"), undefined, "no plan: the migration never ran");
    assert.equal(notes.notes.length, 1, "nothing more was posted");
  });

  it("deploy on main after the merge: the job copies every secret; a second deploy converges with no write", async () => {
    git("checkout", "-q", "main");
    git("merge", "-q", "--ff-only", "add-migration-stack");
    // The push pipeline of the merge: main changed the stack against what origin had.
    assert.deepEqual(await jobsOf(pipeline.push), ["migration:deploy"]);
    const first = await job("migration:deploy", pipeline.push, claimsFor.deploy);
    assert.equal(first.code, 0, first.output);
    const run = first.artifact("migration-run.md");
    assert.ok(run, first.output);
    assert.match(run, /^## Migration run: stack/);
    assert.match(run, /\| apps-to-keyvault \| 3 \| 0 \| 0 \| 0 \| 0 \|/, run);
    const versions = new Map<string, string | undefined>();
    for await (const p of client.listPropertiesOfSecrets()) versions.set(p.name, p.version);
    assert.deepEqual([...versions.keys()].sort(), ["app-billing-db", "app-web-api", "app-web-session"]);
    assert.equal((await client.getSecret("app-web-api")).properties.tags?.["vault-path"], "glapps/apps/web/api");

    const second = await job("migration:deploy", pipeline.push, claimsFor.deploy);
    assert.equal(second.code, 0, second.output);
    const again = second.artifact("migration-run.md");
    assert.ok(again, second.output);
    assert.match(again, /\| apps-to-keyvault \| 0 \| 0 \| 0 \| 0 \| 3 \|/, again);
    for await (const p of client.listPropertiesOfSecrets()) assert.equal(p.version, versions.get(p.name), `${p.name} was not written again`);
    git("update-ref", "refs/remotes/origin/main", "HEAD");
  });

  it("drift on the schedule: a value edited by hand fails the job, and the artifact names that secret", async () => {
    const current = await client.getSecret("app-web-session");
    await client.setSecret("app-web-session", value("edited-by-hand"), { tags: current.properties.tags });
    const r = await job("migration:drift", pipeline.schedule, claimsFor.drift);
    assert.notEqual(r.code, 0, r.output);
    const drift = r.artifact("migration-drift.md");
    assert.ok(drift, `the Markdown is kept when the job fails:\n${r.output}`);
    assert.match(drift, /^## Migration drift check: stack/);
    const drifted = drift.split("\n").filter((l) => /^\| drift( v\d+)? \|/.test(l));
    assert.equal(drifted.length, 1, drift);
    assert.ok(drifted[0].includes("`glapps/apps/web/session`") && drifted[0].includes("`app-web-session`"), drift);
    assert.ok(drift.includes("- `apps-to-keyvault`: 0 to create, 0 to update, 0 to delete, 2 in sync, 1 drifted,"), drift);
  });

  it("no seeded value, token or ID token in any job log, artifact or note", () => {
    assert.ok(Object.keys(texts).length >= 8, Object.keys(texts).join(", "));
    assertNoSecrets(texts, seeded);
  });

  it("a sharded migration: the shard jobs appear once the shard stacks exist, the matrices are one preview, deploy and drift job per shard stack, and --check fails on stale files", async () => {
    git("checkout", "-q", "main");
    const shard = (...args: string[]): string => execFileSync(process.execPath, ["--import", "tsx", "scripts/shard.ts", "stacks/apps.shards.yaml", ...args], { cwd: work, env, encoding: "utf8" });
    shard();
    const stacks = JSON.parse(shard("--list")) as string[];
    assert.ok(stacks.length >= 2, stacks.join(", "));
    git("add", "-A");
    git("commit", "-q", "-m", "Shard the apps migration");
    assert.deepEqual(await jobsOf(pipeline.push), ["migration:deploy", "migration:shards:check", ...stacks.map((s) => `migration:deploy-shard: [${s}]`)]);
    assert.deepEqual(await jobsOf(pipeline.mergeRequest), ["migration:preview", "migration:shards:check", ...stacks.map((s) => `migration:preview-shard: [${s}]`)]);
    assert.deepEqual(await jobsOf(pipeline.schedule), ["migration:drift", "migration:shards:check", ...stacks.map((s) => `migration:drift-shard: [${s}]`)]);
    assert.deepEqual(await jobsOf(pipeline.forkMergeRequest), ["migration:shards:check"], "a fork's merge request runs no shard preview (the check needs no credential)");
    // The check job for real: current now; after a shard is added to the description without
    // running the generator, it fails naming the missing stack file.
    const current = await job("migration:shards:check", pipeline.push, claimsFor.deploy);
    assert.equal(current.code, 0, current.output);
    const description = path.join(work, "stacks", "apps.shards.yaml");
    fs.writeFileSync(description, fs.readFileSync(description, "utf8").replace("  - apps/payments/\n", "  - apps/payments/\n  - apps/search/\n"));
    git("commit", "-q", "-am", "Add a shard, forget to generate it");
    const stale = await job("migration:shards:check", pipeline.push, claimsFor.deploy);
    assert.notEqual(stale.code, 0, stale.output);
    assert.match(stale.output, /stacks\/Pulumi\.apps-search\.yaml: missing/, stale.output);
  });
});
