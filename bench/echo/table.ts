// Markdown report: one row per metric with ours, the baselines and the ratios.
import type { MetricDef, Measurement, Scenario } from './scenarios.js';

/** What happened for one server in one scenario. */
export type Outcome = { kind: 'measured'; m: Measurement } | { kind: 'failed'; error: string } | { kind: 'skipped'; reason: string };

export type Results = Map<string, Map<string, Outcome>>; // scenario → server → outcome

function format(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(outcome: Outcome | undefined, metric: MetricDef): string {
  if (!outcome) return '—';
  if (outcome.kind === 'skipped') return 'skipped';
  if (outcome.kind === 'failed') return 'failed';
  return format(outcome.m.values[metric.key], metric.digits);
}

function ratio(ours: Outcome | undefined, base: Outcome | undefined, metric: MetricDef): string {
  if (!metric.better || ours?.kind !== 'measured' || base?.kind !== 'measured') return '';
  const a = ours.m.values[metric.key]!;
  const b = base.m.values[metric.key]!;
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '';
  return `${(a / b).toFixed(2)}×`;
}

/**
 * One row per metric: ours, the scenario's first baseline (ws or node-http) and, where the
 * scenario has one, the second (the bare-net reference), each with the ratio ours ÷ it.
 */
export function renderTable(scenarios: [string, Scenario][], results: Results): string {
  const lines = [
    '| scenario | metric | ours | baseline | ours ÷ baseline | reference | ours ÷ reference |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const [name, scenario] of scenarios) {
    const byServer = results.get(name);
    if (!byServer) continue;
    const ours = byServer.get('ours');
    for (const metric of scenario.metrics) {
      const arrow = metric.better === 'higher' ? ' ↑' : metric.better === 'lower' ? ' ↓' : '';
      const cells = [name, metric.label + arrow, cell(ours, metric)];
      for (const baseline of scenario.baselines.slice(0, 2)) {
        const base = byServer.get(baseline);
        cells.push(base ? `${cell(base, metric)} (${baseline})` : '—', ratio(ours, base, metric));
      }
      while (cells.length < 7) cells.push('');
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** Everything worth knowing that is not in the table: failures, skips, anomalies. */
export function renderNotes(results: Results): string[] {
  const notes: string[] = [];
  for (const [scenario, byServer] of results) {
    for (const [server, outcome] of byServer) {
      const where = `${scenario} / ${server}`;
      if (outcome.kind === 'skipped') notes.push(`${where}: skipped — ${outcome.reason}`);
      else if (outcome.kind === 'failed') notes.push(`${where}: FAILED — ${outcome.error.split('\n').join(' ⏎ ')}`);
      else {
        for (const note of outcome.m.notes) notes.push(`${where}: ${note}`);
        const generatorCpu = outcome.m.values.generatorCpu ?? 0;
        if (generatorCpu >= 90) {
          notes.push(`${where}: the load generator used ${generatorCpu.toFixed(0)}% of its core — it may be the bottleneck`);
        }
      }
    }
  }
  return notes;
}
