import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// STYLE.md: src/engine is pure. A module here importing Pulumi, an HTTP client,
// an Azure SDK or src/clients means the layers leaked. Every file, subfolders (cutover/) included.
const ENGINE = join(__dirname, "../../../src/engine");
const RELATIVE = /^\.{1,2}(\/[A-Za-z]+)+$/;
const PACKAGES = /^(node:crypto|picomatch)$/;

function engineFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? engineFiles(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : []));
}

describe("engine/layering", () => {
  for (const file of engineFiles(ENGINE)) {
    const name = relative(ENGINE, file);
    it(`${name} imports only engine modules, node:crypto and picomatch`, () => {
      const text = readFileSync(file, "utf8");
      const specs = [...text.matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
      for (const spec of specs) {
        if (PACKAGES.test(spec)) continue;
        assert.match(spec, RELATIVE, `${name} imports ${spec}`);
        // A relative import stays inside src/engine.
        const target = relative(ENGINE, resolve(dirname(file), spec));
        assert.ok(!target.startsWith(".."), `${name} imports ${spec}, outside src/engine`);
      }
    });
  }
});
