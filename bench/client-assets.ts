/**
 * The dashboard's client assets as a browser downloads them: each bundle and the stylesheet, raw
 * and gzipped (level 9, as served), and the total against the goal of at most 150 kB gzipped.
 * Printed, never enforced.
 */
import { LOGICAL_ASSET_NAMES, loadOpsAssets } from '../src/http/ops/assets/assets';

const GOAL_BYTES = 150 * 1000;

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

export async function benchClientAssets(say: (line?: string) => void): Promise<void> {
  const started = performance.now();
  const assets = await loadOpsAssets();
  const built = performance.now() - started;
  const rows = LOGICAL_ASSET_NAMES.map((name) => {
    const asset = assets.byLogicalName.get(name);
    if (!asset) throw new Error(`no asset ${name}`);
    return { name: asset.fileName, raw: asset.body.length, gzip: asset.gzip.length };
  });
  const total = rows.reduce((sum, r) => ({ raw: sum.raw + r.raw, gzip: sum.gzip + r.gzip }), { raw: 0, gzip: 0 });
  const width = Math.max(...rows.map((r) => r.name.length), 'total'.length);
  say(`dashboard client assets (esbuild, minified, built in memory in ${built.toFixed(0)} ms)`);
  say(`${'asset'.padEnd(width)}  ${'raw'.padStart(9)}  ${'gzipped'.padStart(9)}`);
  for (const r of rows) say(`${r.name.padEnd(width)}  ${kB(r.raw).padStart(9)}  ${kB(r.gzip).padStart(9)}`);
  say(`${'total'.padEnd(width)}  ${kB(total.raw).padStart(9)}  ${kB(total.gzip).padStart(9)}`);
  say(`goal: ≤ ${kB(GOAL_BYTES)} gzipped in all — ${total.gzip <= GOAL_BYTES ? 'met' : 'MISSED'}`);
  say();
}
