// How the language host's ts-node compiles the stack program: the options it reads from
// ./tsconfig.json (this engine's language host does not receive Pulumi.yaml's `tsconfig` option).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { create } from "ts-node";

describe("the stack program's compilation (ts-node, as the language host registers it)", () => {
  const repoRoot = path.resolve(__dirname, "..", "..");
  // What @pulumi/pulumi's cmd/run passes when neither PULUMI_NODEJS_TRANSPILE_ONLY nor noCheck is set: a by-hand `pulumi up`.
  const service = create({ cwd: repoRoot, project: path.join(repoRoot, "tsconfig.json"), skipProject: false, transpileOnly: undefined, compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext" } });

  it("uses swc, transpile only, with no environment variable", () => {
    assert.equal(service.options.swc, true);
    // No type check on every preview and up (`npm run lint` checks the types): a type error compiles.
    assert.match(service.compile("export const n: number = \"not a number\";\n", path.join(repoRoot, "src", "typeError.ts")), /const n = "not a number"/);
  });

  it("keeps class fields as constructor assignments (useDefineForClassFields: false), which Pulumi's closure serializer needs", () => {
    const js = service.compile("export class Holder { readonly a: string; b = 2; constructor() { this.a = \"x\"; } }\n", path.join(repoRoot, "src", "holder.ts"));
    assert.match(js, /this\.b = 2/);
    assert.doesNotMatch(js, /^\s*b = 2;/m);
    assert.doesNotMatch(js, /defineProperty\(this, "b"/);
  });
});
