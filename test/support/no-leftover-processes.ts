// Root hook: after the whole suite, no OpenBao server started by the tests may still be running.
import * as assert from "node:assert/strict";
import { runningOpenBaoPids } from "./openbao";

export const mochaHooks = {
  afterAll(): void {
    const alive = runningOpenBaoPids().filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], `OpenBao servers left running by the tests: ${alive.join(", ")}`);
  },
};
