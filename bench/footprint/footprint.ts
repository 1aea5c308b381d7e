/**
 * The pure parts of bench/footprint: reading a process's memory from /proc, and comparing the
 * monolith with the sum (or, for a simultaneous start, the slowest) of the split services over
 * rounds. No I/O here beyond what the callers pass in, so the spec can check it with fixed text.
 */
import { median } from '../lib/harness.js';

/** One process's memory at one moment, in KiB (as /proc reports it). */
export interface Memory {
  /** VmRSS: resident now, shared pages (node's own code, libraries) included in full. */
  readonly rss: number;
  /** VmHWM: the most the process has ever had resident. */
  readonly hwm: number;
  /** RssAnon: resident anonymous memory (JS heap, WebAssembly memories, buffers): never shared. */
  readonly anon: number;
  /** Pss (smaps_rollup): resident, each shared page divided among the processes mapping it; NaN if unreadable. */
  readonly pss: number;
}

export const MEMORY_FIELDS = ['rss', 'hwm', 'anon', 'pss'] as const satisfies readonly (keyof Memory)[];

/** A `Name:   1234 kB` line of /proc/<pid>/status or smaps_rollup, in KiB. */
export function procKiB(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB\\s*$`, 'm').exec(text);
  if (!match) throw new Error(`no "${field}: … kB" line`);
  return Number(match[1]);
}

/** Memory from the text of /proc/<pid>/status and, if it could be read, /proc/<pid>/smaps_rollup. */
export function parseMemory(status: string, smapsRollup?: string): Memory {
  let pss = NaN;
  if (smapsRollup !== undefined) {
    try {
      pss = procKiB(smapsRollup, 'Pss');
    } catch {
      // Kernels before 4.14 have no smaps_rollup; PSS is then left out.
    }
  }
  return { rss: procKiB(status, 'VmRSS'), hwm: procKiB(status, 'VmHWM'), anon: procKiB(status, 'RssAnon'), pss };
}

/**
 * The first sample of `name` in Prometheus text (any labels), or NaN. The apps export prom-client's
 * default metrics, so /metrics tells how much of the RSS is V8 heap and how much is "external"
 * (ArrayBuffers, which include WebAssembly memories: PGlite's database, TensorFlow.js's wasm backend).
 */
export function promValue(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

/** One round's value of one metric for every process measured: app name → value. */
export type RoundValues = ReadonlyMap<string, number>;

/** How the split services' values add up to one figure: memory sums, a simultaneous start waits for the slowest. */
export type Combine = 'sum' | 'max';

export interface Comparison {
  /** Median over rounds. */
  readonly monolith: number;
  /** Median over rounds of the services combined, gateway left out. */
  readonly split: number;
  /** Median over rounds of split / monolith in the same round. */
  readonly ratio: number;
  /** The same with the gateway counted in; undefined when there is no gateway. */
  readonly splitWithGateway: number | undefined;
  readonly ratioWithGateway: number | undefined;
}

export function combine(values: readonly number[], how: Combine): number {
  if (values.length === 0) return NaN;
  return how === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
}

function valueOf(round: RoundValues, app: string): number {
  const value = round.get(app);
  if (value === undefined) throw new Error(`no value for ${app}`);
  return value;
}

/**
 * Monolith against the split services, round by round: `monolith[i]` and `split[i]` were measured
 * in the same round i. Ratios are taken per round and then the median, so that a slow moment of
 * the machine moves both sides of a ratio.
 */
export function compare(
  monolith: readonly number[],
  split: readonly RoundValues[],
  options: { services: readonly string[]; gateway?: string | undefined; how: Combine },
): Comparison {
  if (monolith.length !== split.length || monolith.length === 0) {
    throw new Error(
      `need the same number (≥ 1) of monolith and split rounds, got ${monolith.length} and ${split.length}`,
    );
  }
  const without = split.map((round) =>
    combine(
      options.services.map((s) => valueOf(round, s)),
      options.how,
    ),
  );
  const ratios = without.map((v, i) => v / (monolith[i] ?? NaN));
  let splitWithGateway: number | undefined;
  let ratioWithGateway: number | undefined;
  const gateway = options.gateway;
  if (gateway !== undefined) {
    const withGateway = split.map((round) =>
      combine(
        [...options.services, gateway].map((s) => valueOf(round, s)),
        options.how,
      ),
    );
    splitWithGateway = median(withGateway);
    ratioWithGateway = median(withGateway.map((v, i) => v / (monolith[i] ?? NaN)));
  }
  return {
    monolith: median(monolith),
    split: median(without),
    ratio: median(ratios),
    splitWithGateway,
    ratioWithGateway,
  };
}

/** Median over rounds of one app's value (the per-service breakdown). */
export function medianOf(rounds: readonly RoundValues[], app: string): number {
  return median(rounds.map((r) => r.get(app) ?? NaN));
}

export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const mib = (kib: number): string => (Number.isFinite(kib) ? (kib / 1024).toFixed(1) : '–');
const seconds = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const ratio = (r: number | undefined): string => (r !== undefined && Number.isFinite(r) ? r.toFixed(2) : '–');

export const format = { mib, seconds, ratio } as const;

/** The comparison columns: monolith, split, ratio, and with the gateway when there is one. */
export function comparisonHeader(first: string, services: number, gateway: boolean): string[] {
  return [
    first,
    'monolith',
    `split, ${services} services`,
    'ratio split / monolith',
    ...(gateway ? ['split + gateway', 'ratio (+ gateway) / monolith'] : []),
  ];
}

export function comparisonRow(label: string, c: Comparison, show: (n: number) => string, gateway: boolean): string[] {
  return [
    label,
    show(c.monolith),
    show(c.split),
    ratio(c.ratio),
    ...(gateway ? [c.splitWithGateway === undefined ? '–' : show(c.splitWithGateway), ratio(c.ratioWithGateway)] : []),
  ];
}

/** Aligned plain text: the first column left, the others right (they are numbers). */
export function textTable(table: Table): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [table.title, line(table.header), ...table.rows.map(line)].join('\n');
}

/** A GitHub markdown table (numbers right-aligned), for docs/benchmarks.md. */
export function markdownTable(table: Table): string {
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [row(table.header), row(table.header.map((_, i) => (i === 0 ? '---' : '---:'))), ...table.rows.map(row)].join(
    '\n',
  );
}
