// Prometheus metrics in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): counters, gauges and histograms with labels, and a
// registry that renders them. Small on purpose: prom-client and its OpenTelemetry dependency added ~20 MiB to the
// resident memory of every agent, which only needs a few counters.

import { processStartMs } from './clock.ts';

type Labels<L extends string> = Partial<Record<L, string | number>>;

interface Metric {
  readonly name: string;
  /** Lines of the exposition for this metric, HELP and TYPE first. */
  render(): string;
}

/** Where metrics are registered; `metrics()` renders all of them in registration order. */
export class Registry {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private readonly list: Metric[] = [];
  private readonly collectors: (() => void)[] = [];

  register(m: Metric): void {
    if (this.list.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} is registered twice`);
    this.list.push(m);
  }

  /** `f` runs before every render (to copy numbers kept elsewhere into metrics). */
  beforeRender(f: () => void): void {
    this.collectors.push(f);
  }

  metrics(): string {
    for (const f of this.collectors) f();
    return this.list.map((m) => m.render()).join('');
  }
}

interface Options<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registers?: Registry[];
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeValue = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** `{a="x",b="y"}` for the given label names (absent labels are left out), or '' without labels. */
function labelText(names: readonly string[], labels: Record<string, string | number | undefined>): string {
  if (names.length === 0) return ''; // the hot path of unlabelled metrics allocates nothing
  const parts: string[] = [];
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined) parts.push(`${n}="${escapeValue(String(v))}"`);
  }
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A number as Prometheus writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** The part shared by counters and gauges: one number per label set. */
abstract class Scalar<L extends string> implements Metric {
  abstract readonly type: 'counter' | 'gauge';
  readonly name: string;
  protected readonly values = new Map<string, { labels: Labels<L>; value: number }>();

  constructor(
    protected readonly opts: Options<L>,
    private readonly header = `# HELP ${opts.name} ${escapeHelp(opts.help)}\n`,
  ) {
    this.name = opts.name;
    for (const r of opts.registers ?? []) r.register(this);
  }

  protected entry(labels: Labels<L>): { labels: Labels<L>; value: number } {
    const key = labelText(this.opts.labelNames ?? [], labels);
    let e = this.values.get(key);
    if (!e) {
      e = { labels, value: 0 };
      this.values.set(key, e);
    }
    return e;
  }

  /** The current value for `labels` (0 when never set). */
  get(labels: Labels<L> = {}): number {
    return this.values.get(labelText(this.opts.labelNames ?? [], labels))?.value ?? 0;
  }

  /** Forgets every label set (for gauges rebuilt from scratch on each render). */
  reset(): void {
    this.values.clear();
  }

  render(): string {
    let out = `${this.header}# TYPE ${this.name} ${this.type}\n`;
    if (this.values.size === 0 && !(this.opts.labelNames ?? []).length) out += `${this.name} 0\n`;
    for (const [key, e] of this.values) out += `${this.name}${key} ${formatValue(e.value)}\n`;
    return out;
  }
}

/** A monotonic counter. */
export class Counter<L extends string = never> extends Scalar<L> {
  readonly type = 'counter';

  inc(labels: Labels<L> = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} cannot go down (inc by ${by})`);
    this.entry(labels).value += by;
  }
}

/** A value that goes up and down. */
export class Gauge<L extends string = never> extends Scalar<L> {
  readonly type = 'gauge';

  set(labels: Labels<L>, v: number): void {
    this.entry(labels).value = v;
  }

  inc(labels: Labels<L> = {}, by = 1): void {
    this.entry(labels).value += by;
  }

  dec(labels: Labels<L> = {}, by = 1): void {
    this.entry(labels).value -= by;
  }
}

/** A histogram with fixed upper bounds; an observation bumps numbers in a typed array (no allocation). */
export class Histogram<L extends string = never> implements Metric {
  readonly name: string;
  private readonly series = new Map<string, { counts: Float64Array; sum: number; count: number }>();

  constructor(private readonly opts: Options<L> & { buckets: readonly number[] }) {
    this.name = opts.name;
    for (const r of opts.registers ?? []) r.register(this);
  }

  observe(labels: Labels<L>, v: number): void {
    const key = labelText(this.opts.labelNames ?? [], labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: new Float64Array(this.opts.buckets.length), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    const b = this.opts.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }

  render(): string {
    const n = this.name;
    let out = `# HELP ${n} ${escapeHelp(this.opts.help)}\n# TYPE ${n} histogram\n`;
    for (const [key, s] of this.series) {
      const inner = key ? `${key.slice(1, -1)},` : '';
      let acc = 0;
      this.opts.buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        out += `${n}_bucket{${inner}le="${formatValue(le)}"} ${acc}\n`;
      });
      out += `${n}_bucket{${inner}le="+Inf"} ${s.count}\n${n}_sum${key} ${formatValue(s.sum)}\n${n}_count${key} ${s.count}\n`;
    }
    return out;
  }
}

/** The process's own figures (`<prefix>process_*`, like the standard client libraries' process collector). */
export function registerProcessMetrics(registry: Registry, prefix: string): void {
  const cpu = new Counter<'mode'>({
    name: `${prefix}process_cpu_seconds_total`,
    help: 'CPU time spent by this process, by mode',
    labelNames: ['mode'],
    registers: [registry],
  });
  const rss = new Gauge({
    name: `${prefix}process_resident_memory_bytes`,
    help: 'Resident memory',
    registers: [registry],
  });
  const heap = new Gauge({
    name: `${prefix}process_heap_used_bytes`,
    help: 'V8 heap in use',
    registers: [registry],
  });
  const start = new Gauge({
    name: `${prefix}process_start_time_seconds`,
    help: 'Start time of the process since the Unix epoch',
    registers: [registry],
  });
  start.set({}, Math.round(processStartMs() / 1000));
  registry.beforeRender(() => {
    const u = process.cpuUsage();
    cpu.reset();
    cpu.inc({ mode: 'user' }, u.user / 1e6);
    cpu.inc({ mode: 'system' }, u.system / 1e6);
    const m = process.memoryUsage();
    rss.set({}, m.rss);
    heap.set({}, m.heapUsed);
  });
}
