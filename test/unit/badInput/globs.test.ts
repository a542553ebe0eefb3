// Issue #24: a glob whose matching cost can explode is refused when the mapping is built (at
// preview), and matching itself is bounded by a cap on the path's length. Before the bound,
// `*a*a*a*a*a*a*a*b` took 60 s against one 100-character path of `a`s (its cost grows as
// length^8); it is now refused in well under a second, and the worst glob still accepted, against
// the longest path still matched, finishes in a fraction of a second.
import * as assert from "node:assert/strict";
import { validateMigrationArgs } from "../../../src/components/migrationArgs";
import { createMapper, globWildcardDegree, isMappingConfigError, MAX_GLOB_LENGTH, MAX_GLOB_WILDCARDS, MAX_MATCH_PATH_LENGTH } from "../../../src/engine/mapping";
import { keyVaultNaming } from "../../../src/migration/destinations/keyvault/naming";

const problemsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    assert.ok(isMappingConfigError(e), String(e));
    return [...e.problems];
  }
  return [];
};

describe("bad input: globs", () => {
  it("refuses the explosive example quickly, at include, exclude and rule, naming the bound", () => {
    const bad = "*a*a*a*a*a*a*a*b";
    const started = Date.now();
    const problems = problemsOf(() => createMapper({ naming: keyVaultNaming, rules: [{ match: bad, name: "x-{1}" }], include: [bad], exclude: [bad] }));
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
    assert.equal(problems.length, 3, problems.join("\n"));
    for (const [i, what] of ["rules[0].match", "include[0]", "exclude[0]"].entries()) {
      assert.ok(problems[i]?.startsWith(`${what} [${bad}]: at most ${MAX_GLOB_WILDCARDS} wildcards`), problems[i]);
      assert.match(problems[i] ?? "", /this glob has 8/);
    }
  });

  it("counts every '**' and the '*'s of the busiest segment, escapes excepted", () => {
    assert.equal(globWildcardDegree("apps/*/*/*/*"), 1);
    assert.equal(globWildcardDegree("**/*"), 2);
    assert.equal(globWildcardDegree("**/tmp/**"), 2);
    assert.equal(globWildcardDegree("teams/*-*/**"), 3);
    assert.equal(globWildcardDegree("**/a/**/a/**/b"), 3);
    assert.equal(globWildcardDegree("**a**a**a**b"), 4);
    assert.equal(globWildcardDegree("*?*?*?*?b"), 4);
    assert.equal(globWildcardDegree("a\\*b\\*c*"), 1);
    for (const ok of ["apps/*/*/*/*", "**/*", "teams/*-*/**", "a\\*b\\*c\\*d*"]) assert.deepEqual(problemsOf(() => createMapper({ naming: keyVaultNaming, include: [ok] })), [], ok);
    for (const bad of ["**/a/**/a/**/a/**/b", "**a**a**a**b", "*?*?*?*?b", "[a]*[a]*[a]*[a]*b"]) assert.equal(problemsOf(() => createMapper({ naming: keyVaultNaming, include: [bad] })).length, 1, bad);
  });

  it("refuses extglobs and over-long globs", () => {
    const [ext] = problemsOf(() => createMapper({ naming: keyVaultNaming, exclude: ["apps/+(a|aa)b"] }));
    assert.match(ext ?? "", /^exclude\[0\] \[apps\/\+\(a\|aa\)b\]: extglobs .* are not supported/);
    assert.deepEqual(problemsOf(() => createMapper({ naming: keyVaultNaming, exclude: ["apps/\\+(literal)"] })), []);
    const [long] = problemsOf(() => createMapper({ naming: keyVaultNaming, include: ["a".repeat(MAX_GLOB_LENGTH + 1)] }));
    assert.match(long ?? "", new RegExp(`^include\\[0\\] .*: a glob is at most ${MAX_GLOB_LENGTH} characters \\(this one has ${MAX_GLOB_LENGTH + 1}\\)`));
  });

  it("bounds matching: a path over the cap is refused without matching; the worst accepted glob on the longest path stays fast", () => {
    const worst = "*a*a*b"; // degree 3, the most accepted; a non-matching path of a's is its worst case
    const m = createMapper({ naming: keyVaultNaming, include: [worst], exclude: ["**/x/**"], rules: [{ match: "**/*a*", name: "n-{1}" }] });
    const longest = "a".repeat(MAX_MATCH_PATH_LENGTH);
    const started = Date.now();
    assert.equal(m.map({ mount: "kv", path: longest }).kind, "excluded");
    const over = m.map({ mount: "kv", path: `${longest}b` });
    const took = Date.now() - started;
    assert.equal(over.kind, "invalid");
    assert.match(over.kind === "invalid" ? over.message : "", new RegExp(`is ${MAX_MATCH_PATH_LENGTH + 1} characters long; paths longer than ${MAX_MATCH_PATH_LENGTH} are not mapped`));
    // About 0.15 s on the 2-core machine; degree 4 took 43 s here.
    assert.ok(took < 5_000, `took ${took} ms`);
  });

  it("a migration's arguments are refused at preview, naming [mapping]", () => {
    assert.throws(
      () => validateMigrationArgs("M", "s/m", { source: { connection: { address: "https://v.example.com", auth: { method: "token", token: "t" } }, mount: "secret" }, fingerprintKey: "k".repeat(32), mapping: { include: ["*a*a*a*a*a*a*a*b"] } }, keyVaultNaming),
      /\[mapping\] .*include\[0\] \[\*a\*a\*a\*a\*a\*a\*a\*b\]: at most 3 wildcards/s,
    );
  });
});
