import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envOrigin, loadDotEnv } from './dotenv.js';

describe('loadDotEnv', () => {
  const names = ['NURT_TEST_FROM_FILE', 'NURT_TEST_FROM_BOTH'];
  afterEach(() => {
    for (const n of names) delete process.env[n];
  });

  it('loads a .env file under what the environment already sets, and remembers what came from it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nurt-dotenv-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'NURT_TEST_FROM_FILE=file\nNURT_TEST_FROM_BOTH=file\n');
    process.env.NURT_TEST_FROM_BOTH = 'environment';
    expect(loadDotEnv(file)).toBe(true);
    expect(process.env.NURT_TEST_FROM_FILE).toBe('file');
    expect(process.env.NURT_TEST_FROM_BOTH).toBe('environment');
    expect(envOrigin('NURT_TEST_FROM_FILE')).toBe('NURT_TEST_FROM_FILE in .env');
    expect(envOrigin('NURT_TEST_FROM_BOTH')).toBe('NURT_TEST_FROM_BOTH in the environment');
  });

  it('is a no-op without the file', () => {
    expect(loadDotEnv(join(tmpdir(), 'no-such-dir-nurt', '.env'))).toBe(false);
  });
});
