import type { OpenAPIObject } from '@nestjs/swagger';
import { mergeOpenApi } from './openapi.merge.js';

const doc = (paths: string[], schemas: Record<string, unknown> = {}, tags: string[] = []): OpenAPIObject => ({
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: Object.fromEntries(paths.map((p) => [p, { get: { responses: {} } }])),
  components: { schemas: schemas as never },
  tags: tags.map((name) => ({ name })),
});

describe('mergeOpenApi', () => {
  it("unites the services' paths, keeps the gateway's own health and drops theirs", () => {
    const merged = mergeOpenApi(doc(['/health', '/health/ready']), [
      {
        service: 'customers',
        document: doc(['/health', '/customers', '/customers/{id}'], {}, ['customers', 'health']),
      },
      { service: 'prediction', document: doc(['/health/live', '/predict'], {}, ['prediction']) },
    ]);
    expect(Object.keys(merged.paths)).toEqual([
      '/customers',
      '/customers/{id}',
      '/health',
      '/health/ready',
      '/predict',
    ]);
    expect(merged.tags?.map((t) => t.name)).toEqual(['customers', 'health', 'prediction']);
  });

  it('shares identical schemas and renames a clashing one, with its references', () => {
    const same = { type: 'object', properties: { id: { type: 'string' } } };
    const a = doc(['/a'], { Id: same, Page: { type: 'object', properties: { a: { type: 'number' } } } });
    const b = doc(['/b'], { Id: same, Page: { type: 'object', properties: { b: { type: 'string' } } } });
    b.paths['/b'] = {
      get: {
        responses: {
          200: {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Page' } } },
          },
        },
      },
    };
    const merged = mergeOpenApi(doc([]), [
      { service: 'alpha', document: a },
      { service: 'beta', document: b },
    ]);
    const schemas = merged.components?.schemas ?? {};
    expect(Object.keys(schemas).sort()).toEqual(['BetaPage', 'Id', 'Page']);
    expect(schemas.Page).toEqual({ type: 'object', properties: { a: { type: 'number' } } });
    expect(schemas.BetaPage).toEqual({ type: 'object', properties: { b: { type: 'string' } } });
    expect(JSON.stringify(merged.paths['/b'])).toContain('#/components/schemas/BetaPage');
  });
});
