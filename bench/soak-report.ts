/**
 * The soak's outputs: the per-interval CSV, and an SVG chart written by hand (no charting dependency): one panel per
 * figure (throughput, p99, RSS, CPU per request, event-loop lag) over the run's minutes, the warm-up shaded.
 */
import type { IntervalSample } from './soak-checks.js';

const COLUMNS: ReadonlyArray<[string, (s: IntervalSample) => number]> = [
  ['interval', (s) => s.index],
  ['minutes', (s) => s.atMinutes],
  ['seconds', (s) => s.seconds],
  ['requests', (s) => s.requests],
  ['req_per_s', (s) => s.requestsPerSecond],
  ['exchanges_per_s', (s) => s.exchangesPerSecond],
  ['p50_ms', (s) => s.p50Ms],
  ['p99_ms', (s) => s.p99Ms],
  ['max_ms', (s) => s.maxMs],
  ['cpu_us_per_req', (s) => s.cpuMicrosPerRequest],
  ['rss_mb', (s) => s.rssMb],
  ['rss_anon_mb', (s) => s.rssAnonMb],
  ['rss_file_mb', (s) => s.rssFileMb],
  ['heap_used_mb', (s) => s.heapUsedMb],
  ['heap_total_mb', (s) => s.heapTotalMb],
  ['external_mb', (s) => s.externalMb],
  ['db_file_mb', (s) => s.dbFileMb],
  ['wal_file_mb', (s) => s.walFileMb],
  ['lag_mean_ms', (s) => s.lagMeanMs],
  ['lag_p99_ms', (s) => s.lagP99Ms],
  ['errors_5xx', (s) => s.errors5xx],
  ['unexpected', (s) => s.unexpected],
  ['revoked_accepted', (s) => s.revokedAccepted],
  ['revocations', (s) => s.revocations],
  ['behind', (s) => s.behind],
];

const round = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/** One row per interval; table row counts follow the fixed columns as `rows_<table>`. */
export function toCsv(samples: readonly IntervalSample[]): string {
  const tables = [...new Set(samples.flatMap((s) => Object.keys(s.rows)))].sort();
  const header = [...COLUMNS.map(([name]) => name), ...tables.map((t) => `rows_${t}`)].join(',');
  const lines = samples.map((s) => [...COLUMNS.map(([, f]) => round(f(s))), ...tables.map((t) => String(s.rows[t] ?? ''))].join(','));
  return [header, ...lines].join('\n') + '\n';
}

interface Panel {
  title: string;
  unit: string;
  pick: (s: IntervalSample) => number;
  color: string;
}

const PANELS: readonly Panel[] = [
  { title: 'Throughput', unit: 'req/s', pick: (s) => s.requestsPerSecond, color: '#1f6feb' },
  { title: 'p99 latency', unit: 'ms', pick: (s) => s.p99Ms, color: '#d1242f' },
  { title: 'Server RSS', unit: 'MB', pick: (s) => s.rssMb, color: '#1a7f37' },
  { title: 'Server CPU per request', unit: 'µs', pick: (s) => s.cpuMicrosPerRequest, color: '#8250df' },
  { title: 'Event-loop lag (mean)', unit: 'ms', pick: (s) => s.lagMeanMs, color: '#bc4c00' },
];

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function renderSvg(samples: readonly IntervalSample[], options: { title: string; warmUpIntervals: number }): string {
  const width = 900;
  const panelHeight = 150;
  const left = 70;
  const right = 20;
  const top = 40;
  const gap = 40;
  const plotWidth = width - left - right;
  const height = top + PANELS.length * (panelHeight + gap) + 10;
  const maxX = Math.max(samples.length > 0 ? samples[samples.length - 1]!.atMinutes : 1, 1e-9);
  const x = (minutes: number) => left + (minutes / maxX) * plotWidth;
  const warmEnd =
    options.warmUpIntervals > 0 && samples.length > 0 ? samples[Math.min(options.warmUpIntervals, samples.length) - 1]!.atMinutes : 0;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  PANELS.forEach((panel, i) => {
    const y0 = top + i * (panelHeight + gap) + 14;
    const values = samples.map(panel.pick);
    const maxY = niceCeiling(Math.max(0, ...values));
    const y = (v: number) => y0 + panelHeight - (v / maxY) * panelHeight;
    parts.push(`<text x="${left}" y="${y0 - 6}" font-weight="bold">${escapeXml(`${panel.title} (${panel.unit})`)}</text>`);
    if (warmEnd > 0) {
      parts.push(`<rect x="${left}" y="${y0}" width="${(x(warmEnd) - left).toFixed(1)}" height="${panelHeight}" fill="#f0f0f0"/>`);
      if (i === 0) parts.push(`<text x="${left + 4}" y="${y0 + 14}" fill="#777">warm-up</text>`);
    }
    for (let g = 0; g <= 4; g++) {
      const v = (maxY * g) / 4;
      const gy = y(v).toFixed(1);
      parts.push(`<line x1="${left}" y1="${gy}" x2="${width - right}" y2="${gy}" stroke="#e0e0e0"/>`);
      parts.push(`<text x="${left - 6}" y="${gy}" text-anchor="end" dominant-baseline="middle">${escapeXml(round(v))}</text>`);
    }
    parts.push(`<rect x="${left}" y="${y0}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#999"/>`);
    if (samples.length > 0) {
      const points = samples.map((s, k) => `${x(s.atMinutes).toFixed(1)},${y(values[k]!).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${panel.color}" stroke-width="2" points="${points}"/>`);
    }
    const axisY = y0 + panelHeight + 14;
    for (let g = 0; g <= 4; g++) {
      const minutes = (maxX * g) / 4;
      parts.push(
        `<text x="${x(minutes).toFixed(1)}" y="${axisY}" text-anchor="middle">${escapeXml(minutes.toFixed(minutes < 10 ? 1 : 0))}</text>`,
      );
    }
    if (i === PANELS.length - 1) parts.push(`<text x="${width - right}" y="${axisY + 14}" text-anchor="end">minutes</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
