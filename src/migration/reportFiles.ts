// Writes a run's report beside the stack: `<path>.json` and `<path>.md`. Used by the provider after
// a run and by the planning component after a run with nothing to write, so every `up` leaves one.
import { toJson, toMarkdown, type MigrationReport } from "../engine";

export function writeReportFiles(path: string | undefined, report: MigrationReport): void {
  if (!path) return;
  // Loaded here: this runs inside a serialized dynamic provider.
  const fs = require("node:fs") as typeof import("node:fs");
  const p = require("node:path") as typeof import("node:path");
  fs.mkdirSync(p.dirname(p.resolve(path)), { recursive: true });
  fs.writeFileSync(`${path}.json`, toJson(report));
  fs.writeFileSync(`${path}.md`, toMarkdown(report));
}
