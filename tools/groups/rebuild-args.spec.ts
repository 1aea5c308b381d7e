import { parseRebuildArgs, UsageError } from './rebuild-args.js';

describe('npm run rebuild arguments', () => {
  it('defaults to earliest, no force, the local app', () => {
    expect(parseRebuildArgs(['--group', 'reporting'], {})).toEqual({
      group: 'reporting',
      from: 'earliest',
      force: false,
      url: 'http://127.0.0.1:3000',
    });
  });

  it('reads every flag, and the URL from NURT_URL or PORT', () => {
    expect(
      parseRebuildArgs(
        ['--group', 'anti-fraud', '--from', '2026-11-30T12:00:00Z', '--force', '--url', 'http://h:8080/'],
        {},
      ),
    ).toEqual({ group: 'anti-fraud', from: '2026-11-30T12:00:00Z', force: true, url: 'http://h:8080' });
    expect(parseRebuildArgs(['--group', 'g'], { NURT_URL: 'http://gw:3000' }).url).toBe('http://gw:3000');
    expect(parseRebuildArgs(['--group', 'g'], { PORT: '3005' }).url).toBe('http://127.0.0.1:3005');
  });

  it.each([
    [[], /--group is required/],
    [['--group', 'g', '--from', 'yesterday'], /--from must be earliest or an ISO 8601 time/],
    [['--group', 'g', '--from', '2026-11-30T12:00:00'], /with its zone/],
    [['--group', 'g', '--url', 'localhost:3000'], /--url must be an http\(s\) URL/],
    [['--group', 'g', '--sure'], /Unknown option '--sure'/],
  ])('refuses %j, saying why', (argv, message) => {
    expect(() => parseRebuildArgs(argv, {})).toThrow(UsageError);
    expect(() => parseRebuildArgs(argv, {})).toThrow(message);
  });
});
