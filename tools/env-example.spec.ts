// `.env.example` is the one list of nurt's configuration: every variable a config class reads is
// there, and everything there is read somewhere (a config class, a tool or a script).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

function files(dir: string, match: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : files(path, match);
    return match.test(name) ? [path] : [];
  });
}

const example = readFileSync(join(root, '.env.example'), 'utf8');
const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] ?? '');

/** Properties of the env classes: `@Expose()`d upper-case fields in libs and apps config files. */
function configVariables(): string[] {
  const configFiles = [...files(join(root, 'libs'), /config\.ts$/), ...files(join(root, 'apps'), /config\.ts$/)];
  return configFiles.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/@Expose\(\)[\s\S]*?^\s+([A-Z][A-Z0-9_]+)[?!]?\s*[:=]/gm)].map((m) => m[1] ?? '');
  });
}

describe('.env.example', () => {
  it('lists every variable a config class reads', () => {
    const read = configVariables();
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((v) => !listed.includes(v))).toEqual([]);
  });

  it('lists nothing that no code reads', () => {
    const sources = [
      ...files(join(root, 'apps'), /\.ts$/),
      ...files(join(root, 'libs'), /\.ts$/),
      ...files(join(root, 'tools'), /\.(ts|mjs|sh)$/),
    ]
      .filter((f) => !f.endsWith('.spec.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(listed.filter((v) => !new RegExp(`\\b${v}\\b`).test(sources))).toEqual([]);
  });

  it('lists each variable once', () => {
    expect(listed.filter((v, i) => listed.indexOf(v) !== i)).toEqual([]);
  });
});
