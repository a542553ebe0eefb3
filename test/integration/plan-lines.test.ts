// The plan-line codec through the real engine (issue #23): a Vault path holding ` → ` (and one
// holding `:`, quotes and parentheses) round-trips through `pulumi preview --diff`, `pulumi up`,
// the CI Markdown and the report, on a stack of this project (a VaultMigration, OpenBao → OpenBao,
// one dev server, two mounts) run by scripts/ci.ts as a pipeline runs it.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { readCodeCell, readTextCell } from "../../scripts/lib/ciMarkdown";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";
import { encodeApiPath } from "../../src/clients/vault/kvMounts";
import { decodePlanReason, decodePlanText, encodePlanKey, encodePlanValue, type PlanItem } from "../../src/engine";
import { mountKv, startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets } from "../support/pulumi";

interface CiRun {
  code: number;
  /** The engine's own display (`--verbose`: the `pulumi preview --diff` / `up` text). */
  display: string;
  markdown: string;
}

/** The secret rows of a CI Markdown, read back: what a reader of the rendered table sees. */
function secretRows(markdown: string): { action: string; migration: string; sourcePath: string; destinationName: string; reason: string; detail?: string }[] {
  return markdown
    .split("\n")
    .filter((l) => /^\| (create|update|delete|skip|orphan|refuse|drift)( v\d+)? \| [^|`]+ \| `/.test(l))
    .map((l) => {
      const cells = l.slice(2, -2).split(/ (?<!\\)\| /);
      assert.equal(cells.length, 5, l);
      return {
        action: cells[0].replace(/ v\d+$/, ""),
        migration: cells[1],
        sourcePath: decodePlanText(readCodeCell(cells[2]), "path"),
        destinationName: decodePlanText(readCodeCell(cells[3]), "name"),
        ...decodePlanReason(readTextCell(cells[4])),
      };
    });
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("plan lines through the real engine: a path holding ` → `, a reason with parentheses (OpenBao → OpenBao, scripts/ci.ts)", function () {
  const id = randomBytes(3).toString("hex");
  const stackName = `pltest-${id}`;
  const stackFile = path.join(repoRoot, "stacks", `Pulumi.${stackName}.yaml`);
  const dir = path.join(repoRoot, ".state", "test", stackName);
  const reportBase = path.join(dir, "reports", "team");
  const texts: Record<string, string> = {};
  const seeded: string[] = [];
  let bao: OpenBaoServer;
  let env: NodeJS.ProcessEnv;
  let runs = 0;
  let arrowV1 = "";
  let arrowV2 = "";

  // The attack of issue #23: with `{path}` naming, this path's line used to be split at its last
  // arrow, so the run wrote it into `secret/other` (past `existing: fail` and the check-and-set).
  const ARROW_PATH = "team/a → secret/other";
  const ODD_PATH = 'team/gone: "old" (v1)';
  const VICTIM = "secret/other";
  const src = (p: string): string => `plsrc/data/${encodeApiPath(p)}`;
  const dst = (p: string, part: "data" | "metadata" = "data"): string => `pldst/${part}/${encodeApiPath(p)}`;
  const value = (label: string): string => {
    const v = `SEEDVAL-pl-${label}-${randomBytes(8).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const read = async (p: string): Promise<{ v: string; version: number } | undefined> => {
    try {
      const r = await vaultRequest<{ data: { data: { v: string }; metadata: { version: number } } }>(bao, "GET", dst(p));
      return { v: r!.data.data.v, version: r!.data.metadata.version };
    } catch (e) {
      if (/\b404\b/.test(String(e))) return undefined;
      throw e;
    }
  };
  /** Every secret path under the destination mount. */
  const listAll = async (prefix = ""): Promise<string[]> => {
    const r = await vaultRequest<{ data: { keys: string[] } }>(bao, "LIST", `pldst/metadata/${encodeApiPath(prefix)}`);
    const out: string[] = [];
    for (const k of r!.data.keys) out.push(...(k.endsWith("/") ? await listAll(`${prefix}${k}`) : [`${prefix}${k}`]));
    return out.sort();
  };

  function ci(mode: "preview" | "up"): Promise<CiRun> {
    const out = path.join(dir, `run-${++runs}-${mode}.md`);
    return new Promise((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "scripts/ci.ts", mode, "--stack", stackName, "--out", out, "--verbose"], { cwd: repoRoot, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
        const markdown = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
        texts[`run ${runs} ${mode} stdout`] = stdout;
        texts[`run ${runs} ${mode} stderr`] = stderr;
        resolve({ code, display: stderr, markdown });
      });
    });
  }

  before(async function () {
    bao = await startOpenBaoDev();
    const fingerprintKey = `fp-key-${randomBytes(16).toString("hex")}`;
    seeded.push(fingerprintKey, bao.rootToken);
    fs.mkdirSync(dir, { recursive: true });
    await mountKv(bao, "plsrc", 2);
    await mountKv(bao, "pldst", 2);
    await vaultRequest(bao, "POST", src(ARROW_PATH), { data: { v: (arrowV1 = value("arrow-v1")) } });
    await vaultRequest(bao, "POST", src(ODD_PATH), { data: { v: value("odd") } });
    await vaultRequest(bao, "POST", src("team/plain"), { data: { v: value("plain") } });
    // Someone else's secret at the path the old decoder wrote into.
    await vaultRequest(bao, "POST", dst(VICTIM), { data: { v: value("victim") } });

    fs.writeFileSync(
      stackFile,
      [
        "# Made by test/integration/plan-lines.test.ts; removed after the test.",
        "config:",
        "  vault-migration:vault: {}",
        "  vault-migration:migrations:",
        "    - name: team-to-bao",
        "      source: { mount: plsrc, prefix: team/ }",
        "      destination: { kind: vault, mount: pldst }",
        "      mapping:",
        "        rules:",
        '          - { match: "**", name: "{path}" }',
        `      reportPath: ${path.relative(repoRoot, reportBase)}`,
        "",
      ].join("\n"),
    );
    const eenv = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(dir, "home"), passphrase: `pl-test-${id}` });
    env = { ...process.env, ...eenv, VAULT_ADDR: bao.address, VAULT_TOKEN: bao.rootToken, DESTINATION_VAULT_TOKEN: bao.rootToken, VAULT_MIGRATION_FINGERPRINT_KEY: fingerprintKey };
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
    await LocalWorkspace.createStack({ stackName, workDir: repoRoot }, { envVars: eenv, pulumiHome: eenv.PULUMI_HOME, pulumiCommand });
  });

  after(async () => {
    fs.rmSync(stackFile, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    await bao?.stop();
  });

  const arrowItem: Pick<PlanItem, "sourcePath" | "destinationName"> = { sourcePath: `plsrc/${ARROW_PATH}`, destinationName: ARROW_PATH };
  const oddItem: Pick<PlanItem, "sourcePath" | "destinationName"> = { sourcePath: `plsrc/${ODD_PATH}`, destinationName: ODD_PATH };

  it("preview: the diff shows the arrow path's line exactly, and the CI Markdown reads it back", async () => {
    const r = await ci("preview");
    assert.equal(r.code, 2, r.markdown + r.display);
    const key = encodePlanKey(arrowItem);
    const line = new RegExp(`^\\s*${escapeRegExp(key)}\\s*: ${escapeRegExp(JSON.stringify(encodePlanValue({ action: "create", sourceVersion: 1, reason: "new in source" })))}$`, "m");
    assert.match(r.display, line, r.display);
    assert.deepEqual(
      secretRows(r.markdown).map((x) => [x.action, x.sourcePath, x.destinationName, x.reason]).sort(),
      [
        ["create", `plsrc/${ODD_PATH}`, ODD_PATH, "new in source"],
        ["create", `plsrc/${ARROW_PATH}`, ARROW_PATH, "new in source"],
        ["create", "plsrc/team/plain", "team/plain", "new in source"],
      ].sort(),
      r.markdown,
    );
  });

  it("up: the arrow path is copied to its own name, and nothing is written to the path after its arrow", async () => {
    const victimBefore = await read(VICTIM);
    const r = await ci("up");
    assert.equal(r.code, 0, r.markdown + r.display);
    assert.match(r.markdown, /\| team-to-bao \| 3 \| 0 \| 0 \| 0 \|/, r.markdown);
    assert.equal((await read(ARROW_PATH))?.v, arrowV1);
    assert.deepEqual(await read(VICTIM), victimBefore, "secret/other untouched");
    assert.deepEqual(await listAll(), [VICTIM, ARROW_PATH, ODD_PATH, "team/plain"].sort());
  });

  it("the next preview shows only the new plan (no `old => new`), and an orphan's reason with parentheses round-trips", async () => {
    await vaultRequest(bao, "POST", src(ARROW_PATH), { data: { v: (arrowV2 = value("arrow-v2")) } });
    await vaultRequest(bao, "DELETE", `plsrc/metadata/${encodeApiPath(ODD_PATH)}`);
    const r = await ci("preview");
    assert.equal(r.code, 2, r.markdown + r.display);
    const key = encodePlanKey(arrowItem);
    const shown = r.display.split("\n").filter((l) => l.includes(key));
    assert.ok(shown.length > 0, r.display);
    assert.ok(
      shown.some((l) => new RegExp(`^\\s*\\+\\s+${escapeRegExp(key)}\\s*: ${escapeRegExp(JSON.stringify(encodePlanValue({ action: "update", sourceVersion: 2, reason: "source version changed" })))}$`).test(l)),
      shown.join("\n"),
    );
    assert.ok(!/=>/.test(shown.join("\n")) && !r.display.includes("create v1: new in source"), `the applied plan is not shown:\n${r.display}`);
    const rows = secretRows(r.markdown);
    assert.deepEqual(rows.filter((x) => x.action === "update").map((x) => [x.sourcePath, x.destinationName, x.reason]), [[`plsrc/${ARROW_PATH}`, ARROW_PATH, "source version changed"]], r.markdown);
    assert.deepEqual(rows.filter((x) => x.action === "orphan"), [{ action: "orphan", migration: "team-to-bao", ...oddItem, reason: "source deleted (kept, orphaned)" }], r.markdown);
  });

  it("up: the report names the orphan with its whole reason, in JSON and Markdown", async () => {
    const r = await ci("up");
    assert.equal(r.code, 0, r.markdown + r.display);
    assert.equal((await read(ARROW_PATH))?.v, arrowV2);
    assert.deepEqual(secretRows(r.markdown).filter((x) => x.action !== "orphan").map((x) => [x.action, x.sourcePath, x.destinationName, x.reason]), [["update", `plsrc/${ARROW_PATH}`, ARROW_PATH, "source version changed"]], r.markdown);
    assert.equal((await read(VICTIM))?.version, 1, "secret/other still untouched");
    const json = JSON.parse(fs.readFileSync(`${reportBase}.json`, "utf8")) as { items: { sourcePath: string; destinationName: string; result: string; reason: string }[] };
    const orphan = json.items.find((i) => i.result === "orphaned");
    assert.deepEqual(orphan && { sourcePath: orphan.sourcePath, destinationName: orphan.destinationName, ...decodePlanReason(orphan.reason) }, { ...oddItem, reason: "source deleted (kept, orphaned)" });
    const md = fs.readFileSync(`${reportBase}.md`, "utf8");
    texts["report md"] = md;
    texts["report json"] = JSON.stringify(json);
    const row = md.split("\n").find((l) => l.startsWith("| orphaned"));
    assert.ok(row, md);
    const cells = row.slice(2, -2).split(/ (?<!\\)\| /).map((c) => c.replace(/\\([\\|])/g, "$1"));
    assert.deepEqual([decodePlanText(cells[1], "path"), decodePlanText(cells[3], "name"), decodePlanReason(cells[5]).reason], [oddItem.sourcePath, oddItem.destinationName, "source deleted (kept, orphaned)"], row);
  });

  it("no seeded value, nor its SHA-256, in any output, Markdown or report", () => {
    assertNoSecrets(texts, seeded);
  });
});
