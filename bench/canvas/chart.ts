// A small SVG line chart: delivery latency percentiles against the number of clients
// (log-scale x; y linear, or log when the values span more than 30×).

export interface Series {
  name: string;
  colour: string;
  points: { x: number; y: number }[];
}

const W = 680;
const H = 400;
const M = { left: 64, right: 150, top: 40, bottom: 56 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

function niceLinearTicks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max * 1.0001; v += step) ticks.push(v);
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min / 1.0001 && v <= max * 1.0001) ticks.push(v);
    }
  }
  return ticks;
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y) && p.y > 0 && p.x > 0);
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="80"><text x="10" y="40">${esc(title)}: no data</text></svg>\n`;
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  const xMin = xs[0]! / 1.3;
  const xMax = xs[xs.length - 1]! * 1.3;
  const yMaxData = Math.max(...all.map((p) => p.y));
  const yMinData = Math.min(...all.map((p) => p.y));
  const logY = yMaxData / yMinData > 30;
  const yTicks = logY ? logTicks(10 ** Math.floor(Math.log10(yMinData)), 10 ** Math.ceil(Math.log10(yMaxData))) : niceLinearTicks(yMaxData);
  const yLo = logY ? yTicks[0]! : 0;
  const yHi = yTicks[yTicks.length - 1]!;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number) => M.left + ((Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * pw;
  const py = (y: number) =>
    M.top + ph - (logY ? (Math.log(y) - Math.log(yLo)) / (Math.log(yHi) - Math.log(yLo)) : (y - yLo) / (yHi - yLo)) * ph;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${M.left}" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (const y of yTicks) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${Number.isInteger(y) ? y.toLocaleString('en-US') : fmt(y)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x).toFixed(1)}" x2="${px(x).toFixed(1)}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${px(x).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${x.toLocaleString('en-US')}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}${logY ? ' (log scale)' : ''}</text>`);
  series.forEach((s, i) => {
    const points = s.points.filter((p) => Number.isFinite(p.y) && p.y > 0).sort((a, b) => a.x - b.x);
    if (points.length > 1) {
      const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
    }
    for (const p of points) {
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${s.colour}"><title>${esc(s.name)}: ${fmt(p.y)} ms at ${p.x} clients</title></circle>`);
    }
    const ly = M.top + 10 + i * 20;
    out.push(`<line x1="${M.left + pw + 14}" x2="${M.left + pw + 38}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"/>`);
    out.push(`<text x="${M.left + pw + 44}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
