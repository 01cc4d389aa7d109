/**
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [last-seconds] [modules]`: self time by function from a V8 CPU
 * profile (`node --cpu-prof`), largest first, as a share of the sampled time. Used for docs/performance.md.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function over the samples taken from `fromMicros` (profile clock) on, idle excluded: the share
 * is of the time the process was busy, so start-up can be cut off and the load window alone summarised.
 */
export function selfTimeByFunction(profile: Profile, fromMicros = 0): { name: string; micros: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const frame = byId.get(id)!.callFrame;
    if (at < fromMicros || frame.functionName === '(idle)') return;
    const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    totals.set(name, (totals.get(name) ?? 0) + delta);
    all += delta;
  });
  return [...totals.entries()].map(([name, micros]) => ({ name, micros, share: micros / all })).sort((a, b) => b.micros - a.micros);
}

/** The same self time grouped by where the code lives: crypto, node core modules, a package, a src/ folder. */
export function selfTimeByModule(rows: { name: string; share: number }[]): [string, number][] {
  const groups = new Map<string, number>();
  for (const r of rows) {
    const file = r.name.split(' ')[1] ?? r.name;
    const key = file.startsWith('node:internal/crypto')
      ? 'node crypto'
      : file.startsWith('node:')
        ? `node ${file.slice(5).split(':')[0]!.split('/').slice(0, 3).join('/')}`
        : file.includes('/')
          ? file.split('/').slice(0, 2).join('/')
          : r.name;
    groups.set(key, (groups.get(key) ?? 0) + r.share);
  }
  return [...groups].sort((a, b) => b[1] - a[1]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [last-seconds]');
  const top = Number(process.argv[3] ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const lastSeconds = process.argv[4] === undefined ? Infinity : Number(process.argv[4]);
  const rows = selfTimeByFunction(profile, profile.endTime - lastSeconds * 1e6);
  if (process.argv[5] === 'modules') {
    for (const [name, share] of selfTimeByModule(rows).slice(0, top)) console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  } else {
    for (const r of rows.slice(0, top)) console.log(`${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name}`);
  }
}
