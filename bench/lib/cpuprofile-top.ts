/**
 * Where a process spent its CPU: the self time of a V8 .cpuprofile (node --cpu-prof) summed by
 * function and by package, largest first. Idle time is left out of the percentages.
 *
 *   npx tsx bench/lib/cpuprofile-top.ts <file.cpuprofile> [top N functions, default 30]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds not idle. */
  readonly busy: number;
  readonly idle: number;
  /** [function (file:line), self ms], largest first. */
  readonly functions: readonly [string, number][];
  /** [package (or dist/apps|libs/<name>, node: core, (garbage collector)…), self ms], largest first. */
  readonly packages: readonly [string, number][];
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const dist = path.indexOf('/dist/');
  return dist >= 0 ? path.slice(dist + 1) : path;
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: core';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const [scope = '', name = ''] = path.slice(nm + 'node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const dist = path.indexOf('/dist/');
  return dist >= 0
    ? path
        .slice(dist + 1)
        .split('/')
        .slice(0, 3)
        .join('/')
    : path;
}

export function summariseProfile(profile: CpuProfile): ProfileSummary {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, ms] of self) {
    const { functionName = '', url = '', lineNumber = 0 } = frames.get(id) ?? {};
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    busy += ms;
    const fn = `${functionName || '(anonymous)'} ${url ? `${shorten(url)}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { busy, idle, functions: sorted(byFunction), packages: sorted(byPackage) };
}

export function formatSummary(s: ProfileSummary, top = 30): string {
  const pct = (ms: number) => `${((ms / s.busy) * 100).toFixed(1).padStart(5)} %`;
  return [
    `busy ${(s.busy / 1000).toFixed(1)} s, idle ${(s.idle / 1000).toFixed(1)} s (percentages of busy time)`,
    '',
    'by package:',
    ...s.packages.slice(0, 15).map(([name, ms]) => `  ${pct(ms)}  ${name}`),
    '',
    `top ${top} functions by self time:`,
    ...s.functions.slice(0, top).map(([name, ms]) => `  ${pct(ms)}  ${name}`),
  ].join('\n');
}

export function readProfile(file: string): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/lib/cpuprofile-top.ts <file.cpuprofile> [top N]');
    process.exit(2);
  }
  console.log(formatSummary(readProfile(file), Number(top ?? 30)));
}
