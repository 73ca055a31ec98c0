// A tiny Prometheus registry speaking text exposition format 0.0.4.
// https://prometheus.io/docs/instrumenting/exposition_formats/
//
// Counting sits on the hot path (every frame, every response), so an
// unlabelled inc() is one addition and a labelled one is a string build plus
// a Map lookup. All formatting work happens at scrape time in render().

export type Labels = Record<string, string>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  /** `{a="x",b="y"}`, built once when the series first appears. */
  labelText: string;
  value: number;
}

abstract class Metric {
  abstract readonly type: 'counter' | 'gauge';
  /** Value of the unlabelled series; labelled metrics use `series`. */
  protected value = 0;
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** Adds to the unlabelled value or to the series for `labels`. */
  protected add(labels: Labels | undefined, by: number): void {
    if (labels === undefined && this.labelNames.length === 0) this.value += by;
    else this.seriesFor(labels).value += by;
  }

  protected assign(labels: Labels | undefined, value: number): void {
    if (labels === undefined && this.labelNames.length === 0) this.value = value;
    else this.seriesFor(labels).value = value;
  }

  private seriesFor(labels: Labels | undefined): Series {
    if (this.labelNames.length === 0) throw new Error(`${this.name}: takes no labels`);
    if (labels === undefined) throw new Error(`${this.name}: needs labels [${this.labelNames.join(', ')}]`);
    // Length-prefixing keeps keys unique whatever the values contain,
    // without allocating an array or JSON string per call.
    let key = '';
    for (const name of this.labelNames) {
      const value = labels[name];
      if (typeof value !== 'string') throw new Error(`${this.name}: missing label "${name}"`);
      key += value.length + ':' + value;
    }
    let series = this.series.get(key);
    if (!series) {
      series = { labelText: this.labelText(labels), value: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  private labelText(labels: Labels): string {
    const pairs = this.labelNames.map((name) => `${name}="${escapeLabelValue(labels[name]!)}"`);
    return `{${pairs.join(',')}}`;
  }

  /** The current unlabelled value; gauges override it to ask their collector. */
  protected currentValue(): number {
    return this.value;
  }

  render(): string {
    let text = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    if (this.labelNames.length === 0) {
      text += `${this.name} ${formatValue(this.currentValue())}\n`;
    } else {
      for (const series of this.series.values()) {
        text += `${this.name}${series.labelText} ${formatValue(series.value)}\n`;
      }
    }
    return text;
  }
}

export class Counter extends Metric {
  readonly type = 'counter';

  inc(labels?: Labels, by = 1): void {
    // Counters only go up; `!(by >= 0)` also rejects NaN.
    if (!(by >= 0)) throw new Error(`${this.name}: counter increment must be ≥ 0, got ${by}`);
    this.add(labels, by);
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly collect?: () => number,
  ) {
    super(name, help, labelNames);
  }

  set(value: number, labels?: Labels): void {
    this.assertNotCollected();
    this.assign(labels, value);
  }

  inc(labels?: Labels, by = 1): void {
    this.assertNotCollected();
    this.add(labels, by);
  }

  dec(labels?: Labels, by = 1): void {
    this.assertNotCollected();
    this.add(labels, -by);
  }

  /** The unlabelled value now (e.g. for /health). */
  get current(): number {
    return this.currentValue();
  }

  protected override currentValue(): number {
    return this.collect ? this.collect() : this.value;
  }

  // A collected gauge's value lives elsewhere; writes to it would be lost.
  private assertNotCollected(): void {
    if (this.collect) throw new Error(`${this.name}: gauge is computed at scrape time and cannot be set`);
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return this.register(new Counter(name, help, validLabelNames(name, labelNames)));
  }

  /** With `collect`, the value is computed at scrape time (e.g. open connections). */
  gauge(name: string, help: string, labelNames: string[] = [], collect?: () => number): Gauge {
    if (collect && labelNames.length > 0) throw new Error(`${name}: a collected gauge cannot have labels`);
    return this.register(new Gauge(name, help, validLabelNames(name, labelNames), collect));
  }

  render(): string {
    let text = '';
    for (const metric of this.metrics.values()) text += metric.render();
    return text;
  }

  private register<M extends Metric>(metric: M): M {
    if (!METRIC_NAME.test(metric.name)) throw new Error(`invalid metric name "${metric.name}"`);
    if (this.metrics.has(metric.name)) throw new Error(`metric "${metric.name}" is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

function validLabelNames(metricName: string, labelNames: string[]): readonly string[] {
  for (const label of labelNames) {
    // Names starting with "__" are reserved for Prometheus itself.
    if (!LABEL_NAME.test(label) || label.startsWith('__')) {
      throw new Error(`${metricName}: invalid label name "${label}"`);
    }
  }
  if (new Set(labelNames).size !== labelNames.length) throw new Error(`${metricName}: duplicate label names`);
  return [...labelNames];
}

// The format escapes backslash and newline in help text, plus the double
// quote in label values (which are quoted).
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
