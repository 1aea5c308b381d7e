import type { OpenAPIObject } from '@nestjs/swagger';

export interface ServiceDocument {
  readonly service: string;
  readonly document: OpenAPIObject;
}

const ownPaths = (path: string): boolean => path === '/health' || path.startsWith('/health/');

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * One OpenAPI document for the whole system, as the monolith would serve it: the gateway's own
 * paths (health) plus every service's paths except their own health endpoints. Schemas with the
 * same name and the same content are shared; a clash of different content is resolved by
 * prefixing the later one with its service's name and rewriting its references.
 */
export function mergeOpenApi(own: OpenAPIObject, services: readonly ServiceDocument[]): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = { ...own.paths };
  const schemas: Record<string, unknown> = { ...(own.components?.schemas ?? {}) };
  const tags = new Map((own.tags ?? []).map((t) => [t.name, t]));

  for (const { service, document } of services) {
    const renames = new Map<string, string>();
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      if (name in schemas && JSON.stringify(schemas[name]) !== JSON.stringify(schema)) {
        renames.set(name, `${capitalise(service)}${name}`);
      }
    }
    let doc = document;
    if (renames.size > 0) {
      let text = JSON.stringify(document);
      for (const [from, to] of renames) {
        text = text.split(`"#/components/schemas/${from}"`).join(`"#/components/schemas/${to}"`);
      }
      doc = JSON.parse(text) as OpenAPIObject;
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!ownPaths(path)) paths[path] = item;
    }
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      const target = renames.get(name) ?? name;
      if (!(target in schemas)) schemas[target] = schema;
    }
    for (const tag of doc.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
  }

  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    ...own,
    paths: sortedPaths,
    components: { ...own.components, schemas: schemas as NonNullable<OpenAPIObject['components']>['schemas'] },
    ...(tags.size > 0 ? { tags: [...tags.values()] } : {}),
  };
}
