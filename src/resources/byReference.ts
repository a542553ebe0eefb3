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
 * on load with the `ts-node` a TypeScript Pulumi program has (transpile only: `npm run lint` checks
 * the types).
 */
export function loadByReference<T>(reference: string): T {
  const path = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  const file = path.resolve(packageRoot(process.cwd()), reference);
  if (!fs.existsSync(file)) {
    throw new Error(`the provider's code is not at ${file} (named in the state as ${reference}, relative to the directory holding node_modules/@pulumi/pulumi): run from a checkout of the stack's program with its packages installed`);
  }
  const registered = Symbol.for("vault-migration.tsNodeRegistered");
  const proc = process as unknown as Record<symbol, boolean | undefined>;
  if (file.endsWith(".ts") && !proc[registered]) {
    const tsNode = require(require.resolve("ts-node", { paths: [path.dirname(file), process.cwd()] })) as typeof import("ts-node");
    // Explicit options, no tsconfig lookup: the provider's working directory is not the program's
    // in every setup. `ignore: []`: the package may itself sit under node_modules.
    tsNode.register({ transpileOnly: true, skipProject: true, ignore: [], compilerOptions: { module: "commonjs", target: "ES2022", esModuleInterop: true, resolveJsonModule: true, useDefineForClassFields: false, sourceMap: true } });
    proc[registered] = true;
  }
  return require(file) as T;
}

