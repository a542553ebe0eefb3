/**
 * Persistence of the Key Vault double (state file and CA kept in one directory) and its CLI,
 * driven through the real SDK.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { doubleSecretClient, startKeyVaultDouble, staticTokenCredential } from "../doubles/keyvault";
import { restErrorOf } from "../doubles/keyvault/raw";

const REPO = resolve(__dirname, "../..");
const CLI = join(REPO, "test/doubles/keyvault/cli.ts");
const POLL = { intervalInMs: 20 };

const mode = (path: string): number => statSync(path).mode & 0o777;

/** Live (non-zombie) processes of a process group, from /proc: a zombie is dead, only not yet reaped. */
function liveProcessesInGroup(pgid: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after the parenthesised command: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") live.push(Number(entry));
  }
  return live;
}

interface RunningCli {
  child: ChildProcess;
  readyLine: string;
  exited: Promise<number | null>;
}

/** `npx tsx cli.ts --dir <dir>` in its own process group, resolved at its ready line. */
async function startCli(dir: string, extra: string[] = []): Promise<RunningCli> {
  const child = spawn("npx", ["tsx", CLI, "--dir", dir, ...extra], { cwd: REPO, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  let out = "";
  let err = "";
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const readyLine = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`cli not ready in 30 s; stderr: ${err}`)), 30_000);
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith("keyvault-double ready"));
      if (line) {
        clearTimeout(timer);
        res(line);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`cli exited ${code} before ready; stderr: ${err}`));
    });
  });
  return { child, readyLine, exited };
}

describe("KeyVaultDouble persistence and CLI", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "kv-double-test-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("persists secrets, versions, soft-deleted state and the CA across stop/start (tokens are not persisted)", async () => {
    const first = await startKeyVaultDouble({ persistDir: dir, deleteDelayMs: 0 });
    const c1 = doubleSecretClient(first);
    const v1 = await c1.setSecret("Kept", "one", { tags: { a: "b" } });
    await c1.setSecret("kept", "two");
    await c1.setSecret("gone", "x");
    await (await c1.beginDeleteSecret("gone", POLL)).pollUntilDone();
    const oldToken = first.issueToken();
    await first.stop();

    assert.ok(first.caFile && existsSync(first.caFile));
    assert.equal(mode(join(dir, "keyvault-double.json")), 0o600);
    assert.equal(mode(join(dir, "ca.key")), 0o600);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), []);

    const second = await startKeyVaultDouble({ persistDir: dir });
    try {
      assert.equal(second.caCertPem, first.caCertPem, "a client's CA file stays valid");
      const c2 = doubleSecretClient(second);
      const latest = await c2.getSecret("KEPT");
      assert.equal(latest.value, "two");
      assert.equal(latest.name, "Kept", "first-given case survives");
      const old = await c2.getSecret("kept", { version: v1.properties.version ?? "" });
      assert.deepEqual(old.properties.tags, { a: "b" });
      assert.equal(old.properties.createdOn?.getTime(), v1.properties.createdOn?.getTime());
      assert.equal((await c2.getDeletedSecret("gone")).name, "gone");
      assert.equal((await restErrorOf(c2.setSecret("gone", "y"))).statusCode, 409);
      assert.equal((await restErrorOf(doubleSecretClient(second, { token: oldToken }).getSecret("kept"))).statusCode, 401);
    } finally {
      await second.stop();
    }
  });

  it("persistDebounceMs: 0 saves before the reply, by temp file and rename", async () => {
    const kv = await startKeyVaultDouble({ persistDir: dir, persistDebounceMs: 0 });
    try {
      await doubleSecretClient(kv).setSecret("durable", "now");
      const state = JSON.parse(readFileSync(join(dir, "keyvault-double.json"), "utf8")) as { secrets: { name: string }[] };
      assert.deepEqual(state.secrets.map((s) => s.name), ["durable"]);
      assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), []);
    } finally {
      await kv.stop();
    }
  });

  it("a corrupt state file stops the start instead of being overwritten", async () => {
    writeFileSync(join(dir, "keyvault-double.json"), "{ not json");
    await assert.rejects(startKeyVaultDouble({ persistDir: dir }));
    assert.equal(readFileSync(join(dir, "keyvault-double.json"), "utf8"), "{ not json");
  });

  it("cli.ts: ready line, endpoint.json (0600), serves the SDK, exits 0 on SIGTERM to its pid, stops cleanly on SIGINT to its group, leaving no process", async () => {
    const run1 = await startCli(dir, ["--delete-delay-ms", "0"]);
    const endpointFile = join(dir, "endpoint.json");
    assert.match(run1.readyLine, /^keyvault-double ready https:\/\/127\.0\.0\.1:\d+ /);
    assert.equal(mode(endpointFile), 0o600);
    const ep = JSON.parse(readFileSync(endpointFile, "utf8")) as { vaultUrl: string; caFile: string; token: string; pid: number };
    assert.deepEqual(Object.keys(ep).sort(), ["caFile", "pid", "token", "vaultUrl"]);
    const caPem = readFileSync(ep.caFile, "utf8");
    const client = (url: string, token: string, ca: string): SecretClient =>
      new SecretClient(url, staticTokenCredential(token), {
        tlsOptions: { ca },
        disableChallengeResourceVerification: true,
        retryOptions: { maxRetries: 1, retryDelayInMs: 20 },
      });
    await client(ep.vaultUrl, ep.token, caPem).setSecret("demo", "survives restarts");

    process.kill(ep.pid, "SIGTERM");
    assert.equal(await run1.exited, 0);
    assert.deepEqual(liveProcessesInGroup(run1.child.pid ?? -1), [], "npx, sh, tsx, node and esbuild are all gone");
    assert.equal(existsSync(endpointFile), false, "endpoint.json is removed on a clean exit");

    const run2 = await startCli(dir);
    const ep2 = JSON.parse(readFileSync(endpointFile, "utf8")) as typeof ep;
    assert.equal(readFileSync(ep2.caFile, "utf8"), caPem, "same CA across runs");
    assert.equal((await client(ep2.vaultUrl, ep2.token, caPem).getSecret("demo")).value, "survives restarts");

    // Ctrl-C in a terminal: SIGINT to the whole foreground group. npm itself dies of the signal, so
    // its exit status says nothing about the double; the removed endpoint.json shows the clean path ran.
    process.kill(-(run2.child.pid ?? 0), "SIGINT");
    await run2.exited;
    assert.deepEqual(liveProcessesInGroup(run2.child.pid ?? -1), []);
    assert.equal(existsSync(endpointFile), false);
  });

  it("cli.ts refuses a directory already served by a live process", async () => {
    const run = await startCli(dir);
    try {
      const second = spawn("npx", ["tsx", CLI, "--dir", dir], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      second.stderr?.on("data", (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number | null>((res) => second.once("exit", (c) => res(c)));
      assert.equal(code, 2);
      assert.match(err, /already served by process \d+/);
    } finally {
      process.kill(-(run.child.pid ?? 0), "SIGTERM");
      await run.exited;
    }
  });
});
