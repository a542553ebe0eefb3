/** Parses a Vault duration (`90`, `"90s"`, `"15m"`, `"1h30m"`, `"24h"`) into whole seconds. */
export function parseDurationSeconds(value: number | string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new Error(`not a whole number of seconds: ${value}`);
    return value;
  }
  if (/^\d+$/.test(value)) return Number(value);
  const re = /(\d+)(h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1);
    matched += m[0].length;
  }
  if (matched !== value.length || matched === 0) throw new Error(`not a duration like "1h30m": ${value}`);
  return total;
}
