// What the deployment specs share: the repository's root, its YAML files read as compose and
// kustomize read them, and loose access to the parsed documents.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const rel = (file: string): string => relative(ROOT, file);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Every document of a YAML file, with Compose-style merge keys (`<<: *anchor`) resolved. */
export function loadYaml(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8'), { merge: true }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${rel(file)}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Json;
  });
}

export function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path, test) : test(name) ? [path] : [];
    })
    .sort();
}
