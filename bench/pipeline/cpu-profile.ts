/** Reads a V8 .cpuprofile (node --cpu-prof) into where the time went: by area of the code, and the top functions. */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** Where a function lives, coarsely: a package, a nurt lib, Node itself, or V8's own work. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const lib = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (lib?.[2]) return `nurt ${lib[1] === 'libs' ? `@nurt/${lib[2]}` : `apps/${lib[2]}`}`;
  if (url.startsWith('node:')) return 'node core';
  return url;
}

/** Self time per node, in ms, from the samples (a node's hitCount alone misses the time deltas). */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i];
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  return self;
}

export function summariseProfile(profile: CpuProfile, top = 15): string {
  const self = selfTimes(profile);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|libs|apps)\//, '$1/')}:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const share = (ms: number): string => `${((ms / total) * 100).toFixed(1)} %`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return [
    `${(total / 1000).toFixed(1)} s of samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s`,
    '',
    '| area | self time | share |',
    '| --- | ---: | ---: |',
    ...sorted(byArea)
      .slice(0, top)
      .map(([area, ms]) => `| ${area} | ${(ms / 1000).toFixed(2)} s | ${share(ms)} |`),
    '',
    '| function | self time | share |',
    '| --- | ---: | ---: |',
    ...sorted(byFunction)
      .slice(0, top)
      .map(([fn, ms]) => `| \`${fn.trim()}\` | ${(ms / 1000).toFixed(2)} s | ${share(ms)} |`),
  ].join('\n');
}
