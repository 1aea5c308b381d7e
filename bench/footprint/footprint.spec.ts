import {
  combine,
  compare,
  comparisonHeader,
  comparisonRow,
  format,
  markdownTable,
  medianOf,
  parseMemory,
  procKiB,
  promValue,
  textTable,
} from './footprint.js';

const STATUS = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
Pid:\t4242
VmPeak:\t 1234567 kB
VmSize:\t 1200000 kB
VmLck:\t       0 kB
VmHWM:\t  180224 kB
VmRSS:\t  153600 kB
RssAnon:\t  102400 kB
RssFile:\t   51200 kB
RssShmem:\t       0 kB
VmSwap:\t       0 kB
Threads:\t11
`;

const SMAPS_ROLLUP = `55d0c0000000-7ffd2d0d7000 ---p 00000000 00:00 0                          [rollup]
Rss:              153600 kB
Pss:              120000 kB
Pss_Dirty:        100000 kB
Pss_Anon:         102400 kB
`;

describe('procKiB / parseMemory', () => {
  it('reads VmRSS, VmHWM and RssAnon from /proc/<pid>/status and Pss from smaps_rollup, in KiB', () => {
    expect(parseMemory(STATUS, SMAPS_ROLLUP)).toEqual({ rss: 153600, hwm: 180224, anon: 102400, pss: 120000 });
  });

  it('matches whole field names: Pss is not Pss_Dirty or Pss_Anon, VmRSS is not Rss', () => {
    expect(procKiB(SMAPS_ROLLUP, 'Pss')).toBe(120000);
    expect(procKiB(SMAPS_ROLLUP, 'Rss')).toBe(153600);
    expect(procKiB(`Pss_Anon:  5 kB\nPss:  7 kB\n`, 'Pss')).toBe(7);
  });

  it('leaves PSS out (NaN) without smaps_rollup, and names a missing status field', () => {
    expect(parseMemory(STATUS).pss).toBeNaN();
    expect(parseMemory(STATUS, 'nothing useful').pss).toBeNaN();
    expect(() => parseMemory('Name:\tnode\nVmHWM:\t 1 kB\n')).toThrow(/VmRSS/);
  });
});

describe('promValue', () => {
  const METRICS = [
    '# HELP nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.',
    '# TYPE nodejs_heap_size_total_bytes gauge',
    'nodejs_heap_size_total_bytes{app="fraud"} 85041152',
    'nodejs_heap_size_total_bytes_extra 1',
    'nodejs_external_memory_bytes 254424228',
  ].join('\n');

  it('reads a sample with or without labels, and NaN for a missing metric', () => {
    expect(promValue(METRICS, 'nodejs_heap_size_total_bytes')).toBe(85041152);
    expect(promValue(METRICS, 'nodejs_external_memory_bytes')).toBe(254424228);
    expect(promValue(METRICS, 'nodejs_heap_size_used_bytes')).toBeNaN();
  });
});

describe('combine / compare', () => {
  const services = ['a', 'b', 'c'];
  const round = (a: number, b: number, c: number, gateway?: number) =>
    new Map<string, number>([
      ['a', a],
      ['b', b],
      ['c', c],
      ...(gateway === undefined ? [] : [['gw', gateway] as [string, number]]),
    ]);

  it('sums memory and takes the slowest of a simultaneous start', () => {
    expect(combine([1, 2, 3], 'sum')).toBe(6);
    expect(combine([1, 5, 3], 'max')).toBe(5);
    expect(combine([], 'sum')).toBeNaN();
  });

  it('medians of the monolith, of the split sums and of the per-round ratios, with and without the gateway', () => {
    const c = compare([100, 200, 100], [round(50, 50, 50, 30), round(100, 100, 100, 60), round(60, 60, 60, 10)], {
      services,
      gateway: 'gw',
      how: 'sum',
    });
    expect(c.monolith).toBe(100);
    expect(c.split).toBe(180); // sums 150, 300, 180
    expect(c.ratio).toBe(1.5); // ratios 1.5, 1.5, 1.8
    expect(c.splitWithGateway).toBe(190); // sums 180, 360, 190
    expect(c.ratioWithGateway).toBe(1.8); // ratios 1.8, 1.8, 1.9
  });

  it('ratios are per round, not of the medians: a slow round moves both sides', () => {
    const c = compare([10, 40], [round(5, 5, 10), round(20, 20, 40)], { services, how: 'sum' });
    expect(c.ratio).toBe(2);
    expect(c.splitWithGateway).toBeUndefined();
    expect(c.ratioWithGateway).toBeUndefined();
  });

  it('max over the services for a simultaneous start', () => {
    const c = compare([4000], [round(3000, 6000, 5000, 7000)], { services, gateway: 'gw', how: 'max' });
    expect([c.split, c.ratio, c.splitWithGateway, c.ratioWithGateway]).toEqual([6000, 1.5, 7000, 1.75]);
  });

  it('refuses a missing service or unequal rounds instead of comparing less than was asked for', () => {
    expect(() => compare([1], [round(1, 1, 1)], { services, gateway: 'gw', how: 'sum' })).toThrow(/gw/);
    expect(() => compare([1, 2], [round(1, 1, 1)], { services, how: 'sum' })).toThrow(/same number/);
  });

  it('medianOf: one app over rounds', () => {
    expect(medianOf([round(1, 0, 0), round(3, 0, 0), round(2, 0, 0)], 'a')).toBe(2);
  });
});

describe('tables', () => {
  const c = { monolith: 204800, split: 614400, ratio: 3, splitWithGateway: 716800, ratioWithGateway: 3.5 };

  it('formats MiB, seconds and ratios, with a dash for what was not measured', () => {
    expect(format.mib(153600)).toBe('150.0');
    expect(format.mib(NaN)).toBe('–');
    expect(format.seconds(2345)).toBe('2.35');
    expect(format.ratio(undefined)).toBe('–');
  });

  it('shows the gateway columns only when there is a gateway', () => {
    expect(comparisonHeader('MiB', 6, false)).toHaveLength(4);
    expect(comparisonRow('VmRSS', c, format.mib, false)).toEqual(['VmRSS', '200.0', '600.0', '3.00']);
    expect(comparisonRow('VmRSS', c, format.mib, true)).toEqual(['VmRSS', '200.0', '600.0', '3.00', '700.0', '3.50']);
  });

  it('renders aligned text and a markdown table', () => {
    const table = { title: 'T', header: ['x', 'value'], rows: [['long label', '1.0']] };
    expect(textTable(table)).toBe('T\nx           value\nlong label    1.0');
    expect(markdownTable(table)).toBe('| x | value |\n| --- | ---: |\n| long label | 1.0 |');
  });
});
