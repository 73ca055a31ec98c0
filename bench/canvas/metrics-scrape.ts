// GET /metrics of our server, parsed from the Prometheus text format: one number per
// series ("name" or "name{labels}"), plus per-name sums over the labels.
import { request } from 'node:http';

export type MetricValues = Map<string, number>;

export function fetchText(host: string, port: number, path: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function parseMetrics(text: string): MetricValues {
  const values: MetricValues = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    const series = line.slice(0, space);
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value)) continue;
    values.set(series, value);
    const brace = series.indexOf('{');
    if (brace >= 0) {
      const name = series.slice(0, brace);
      values.set(name, (values.get(name) ?? 0) + value);
    }
  }
  return values;
}

export async function scrapeMetrics(host: string, port: number): Promise<MetricValues> {
  const { status, body } = await fetchText(host, port, '/metrics');
  if (status !== 200) throw new Error(`GET /metrics answered ${status}`);
  return parseMetrics(body);
}
