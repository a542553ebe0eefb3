// Runs a serialized dynamic provider (the `__provider` text Pulumi's closure serializer stores in
// a dynamic resource's inputs) the way the dynamic-provider host does: re-created from its text in
// a plain `node` process. Not in the test process: tsx's compile hook would rewrite the generated
// code, and the serializer's limits would go unnoticed.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

/** What one provider method did: its resolved value, or the message it rejected with. */
export interface ProviderCallResult {
  ok: boolean;
  value?: unknown;
  error?: string;
  /** The provider has no such method (e.g. no `check`: the host then uses the inputs as given). */
  missing?: boolean;
}

/**
 * Calls one method of a serialized provider in a plain `node` process started in this process's
 * working directory (the project directory, as under the engine: relative paths such as a report
 * path resolve there, and so do the `require`s of the serialized code). The provider text and the
 * arguments travel as files, so neither is bound by the command line's length limit. `cwd`: another
 * directory to start in (the engine starts it in the program's directory).
 */
export async function callProvider(text: string, method: string, args: unknown[], cwd: string = process.cwd()): Promise<ProviderCallResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provider-"));
  const file = path.join(dir, "provider.js");
  const argsFile = path.join(dir, "args.json");
  fs.writeFileSync(file, text);
  fs.writeFileSync(argsFile, JSON.stringify(args));
  const script = `
    const fs = require("fs");
    const p = require(${JSON.stringify(require.resolve("require-from-string"))})(fs.readFileSync(${JSON.stringify(file)}, "utf8")).handler();
    const args = JSON.parse(fs.readFileSync(${JSON.stringify(argsFile)}, "utf8"));
    if (typeof p[${JSON.stringify(method)}] !== "function") console.log(JSON.stringify({ ok: false, missing: true, error: ${JSON.stringify(`no method ${method}`)} }));
    else p[${JSON.stringify(method)}](...args).then(
      (value) => console.log(JSON.stringify({ ok: true, value })),
      (e) => console.log(JSON.stringify({ ok: false, error: String(e && e.message) })));`;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
    return JSON.parse(stdout.trim().split("\n").pop() as string) as ProviderCallResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
