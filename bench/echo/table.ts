// Markdown report: one row per (metric, baseline) with ours, the baseline and the ratio.
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

export function renderTable(scenarios: [string, Scenario][], results: Results): string {
  const lines = [
    '| scenario | metric | ours | baseline | ours ÷ baseline |',
    '|---|---|---:|---:|---:|',
  ];
  for (const [name, scenario] of scenarios) {
    const byServer = results.get(name);
    if (!byServer) continue;
    const ours = byServer.get('ours');
    for (const metric of scenario.metrics) {
      const arrow = metric.better === 'higher' ? ' ↑' : metric.better === 'lower' ? ' ↓' : '';
      const baselines = scenario.baselines.filter((b) => byServer.has(b));
      if (baselines.length === 0) lines.push(`| ${name} | ${metric.label}${arrow} | ${cell(ours, metric)} | — |  |`);
      for (const baseline of baselines) {
        const base = byServer.get(baseline);
        lines.push(
          `| ${name} | ${metric.label}${arrow} | ${cell(ours, metric)} | ${cell(base, metric)} (${baseline}) | ${ratio(ours, base, metric)} |`,
        );
      }
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
      else for (const note of outcome.m.notes) notes.push(`${where}: ${note}`);
    }
  }
  return notes;
}
