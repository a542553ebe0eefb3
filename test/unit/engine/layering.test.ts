import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

// STYLE.md: src/engine is pure. A module here importing Pulumi, an HTTP client,
// an Azure SDK or src/clients means the layers leaked.
const ENGINE = join(__dirname, "../../../src/engine");
const ALLOWED = /^(\.\/[a-z]+|node:(crypto)|picomatch)$/;

describe("engine/layering", () => {
  for (const file of readdirSync(ENGINE).filter((f) => f.endsWith(".ts"))) {
    it(`${file} imports only engine modules, node:crypto and picomatch`, () => {
      const text = readFileSync(join(ENGINE, file), "utf8");
      const specs = [...text.matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
      for (const spec of specs) assert.match(spec, ALLOWED, `${file} imports ${spec}`);
    });
  }
});
