// Provider code loaded by reference. Pulumi's closure serializer copies a dynamic provider, and
// every local module it reaches, into the `__provider` of each resource (about 350 KB for the
// migration, serialized again on every run). A provider that only names its module instead stays
// a few KB: the provider process `require`s the module from the checkout it runs in.

/**
 * The directory holding the `node_modules` with `@pulumi/pulumi`, looked for upwards from `dir` the
 * way Node resolves it, symbolic links kept as found. The dynamic-provider host runs from that
 * `@pulumi/pulumi` (the engine's plugin shim resolves it from the program's directory, where the
 * provider process starts), so program and provider process find the same root.
 */
function packageRoot(dir: string): string {
  const path = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "node_modules", "@pulumi", "pulumi", "package.json"))) return d;
    if (path.dirname(d) === d) throw new Error(`no node_modules/@pulumi/pulumi in ${dir} or above it: install the stack program's packages`);
  }
}

/**
 * Where `file` (a module of this package) is, relative to {@link packageRoot} of the program's
 * directory: `src/resources/…` in this checkout, `node_modules/<package>/src/…` in a program that
 * installed it. Relative, so another checkout with the same layout (a CI machine reading the
 * state) resolves it too. Program side only.
 */
export function moduleReference(file: string, fromDir: string = process.cwd()): string {
  const path = require("node:path") as typeof import("node:path");
  return path.relative(packageRoot(fromDir), file).split(path.sep).join("/");
}

/**
 * Loads the module {@link moduleReference} named, in the provider process (serialized with the
 * provider, so it captures nothing and requires what it needs inside). A `.ts` module is compiled
 * on load by tsx's require hook (esbuild, transpile only: `npm run lint` checks the types), not by
 * ts-node, which transpiles file by file through the TypeScript compiler: measured, about 1.2 s
 * more per provider process start (every preview and up has one) and 140 MB more peak RSS in a
 * 10,000-secret `up`. Safe here because nothing in the provider process is serialized again (tsx's
 * whitespace-minified output is what Pulumi's closure serializer cannot parse, so the program
 * itself stays on the language host's ts-node).
 */
export function loadByReference<T>(reference: string): T {
  const path = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  const file = path.resolve(packageRoot(process.cwd()), reference);
  if (!fs.existsSync(file)) {
    throw new Error(`the provider's code is not at ${file} (named in the state as ${reference}, relative to the directory holding node_modules/@pulumi/pulumi): run from a checkout of the stack's program with its packages installed`);
  }
  const registered = Symbol.for("vault-migration.tsxRegistered");
  const proc = process as unknown as Record<symbol, boolean | undefined>;
  if (file.endsWith(".ts") && !proc[registered]) {
    // Compiled with this package's own tsconfig.json (its class-field semantics, its module
    // kind), not one found from the working directory up, which is the program's and may differ
    // or be missing. tsx's hook compiles `.ts` under node_modules too (the package may sit there).
    for (let d = path.dirname(file); ; d = path.dirname(d)) {
      if (fs.existsSync(path.join(d, "package.json"))) {
        if (fs.existsSync(path.join(d, "tsconfig.json")) && process.env.TSX_TSCONFIG_PATH === undefined) process.env.TSX_TSCONFIG_PATH = path.join(d, "tsconfig.json");
        break;
      }
      if (path.dirname(d) === d) break;
    }
    const tsx = require(require.resolve("tsx/cjs/api", { paths: [path.dirname(file), process.cwd()] })) as { register(): () => void };
    tsx.register();
    proc[registered] = true;
  }
  return require(file) as T;
}

