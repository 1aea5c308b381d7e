import type { OpenAPIObject } from '@nestjs/swagger';
import { STORABLE_TEXT } from '@nurt/contracts';

type Schema = Record<string, unknown>;

/**
 * Declares in the OpenAPI document two rules every input of the API meets and the decorators do
 * not say: a request body has no properties beyond those listed (the validation pipe refuses
 * them), and text holds no NUL and no lone surrogate. Applied to what requests carry (parameters
 * and request bodies, through their $refs), not to responses. Mutates and returns `document`.
 */
export function declareInputRules(document: OpenAPIObject): OpenAPIObject {
  const components = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const seen = new Set<Schema>();
  const visit = (schema: unknown): void => {
    if (typeof schema !== 'object' || schema === null) return;
    const s = schema as Schema;
    if (typeof s.$ref === 'string') return visit(components[s.$ref.replace('#/components/schemas/', '')]);
    if (seen.has(s)) return;
    seen.add(s);
    if (s.type === 'object' || s.properties !== undefined) {
      s.additionalProperties ??= false;
      for (const property of Object.values((s.properties ?? {}) as Record<string, unknown>)) visit(property);
    }
    if (s.type === 'array') visit(s.items);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      if (Array.isArray(s[key])) for (const part of s[key] as unknown[]) visit(part);
    }
    if (s.type === 'string' && s.pattern === undefined && s.enum === undefined && s.format === undefined) {
      s.pattern = STORABLE_TEXT;
    }
  };
  for (const methods of Object.values(document.paths)) {
    for (const operation of Object.values(methods as Record<string, Schema>)) {
      if (typeof operation !== 'object' || operation === null) continue;
      for (const parameter of (operation.parameters ?? []) as Schema[]) visit(parameter.schema);
      const body = operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined;
      for (const media of Object.values(body?.content ?? {})) visit(media.schema);
    }
  }
  return document;
}
