import { z } from 'zod';
import { errorBody } from './api.js';
import {
  loadClassOf,
  openApiPath,
  paramNames,
  isTextContent,
  permissionOf,
  type RawContent,
  type RouteDeclaration,
} from './route.js';
import { allRoutes } from './routes.js';

/** A schema as the caller writes it; the document states the dialect once, not per schema. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
}

const mediaTypes: Record<RawContent, string> = {
  'octet-stream': 'application/octet-stream',
  'event-stream': 'text/event-stream',
  text: 'text/plain',
  csv: 'text/csv',
  markdown: 'text/markdown',
  html: 'text/html',
  pdf: 'application/pdf',
};

function content(body: z.ZodType | RawContent) {
  return typeof body === 'string'
    ? {
        [mediaTypes[body]]: {
          schema: isTextContent(body) ? { type: 'string' } : { type: 'string', format: 'binary' },
        },
      }
    : { 'application/json': { schema: jsonSchema(body) } };
}

function parameters(r: RouteDeclaration) {
  const path = paramNames(r.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: r.params?.shape[name] ? jsonSchema(r.params.shape[name] as z.ZodType) : {},
  }));
  const query = Object.entries(r.query?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !(schema as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(schema as z.ZodType),
  }));
  return [...path, ...query];
}

function operation(name: string, r: RouteDeclaration) {
  const params = parameters(r);
  const body = r.body;
  const permission = permissionOf(r);
  return {
    operationId: name,
    summary: r.summary,
    ...(permission
      ? { description: `Needs the "${permission}" permission.`, 'x-permission': permission }
      : {}),
    security: r.auth === 'public' ? [] : [{ [r.auth]: [] }],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(body
      ? {
          requestBody: {
            // A body schema that accepts nothing at all makes the body optional.
            required: typeof body === 'string' || !body.safeParse(undefined).success,
            content: content(body),
          },
        }
      : {}),
    responses: {
      [String(r.status ?? 200)]: {
        description: 'success',
        ...(r.response ? { content: content(r.response) } : {}),
      },
      ...(loadClassOf(r) === null
        ? {}
        : {
            '503': {
              description: `overloaded: shed with the ${loadClassOf(r)} class; retry after the Retry-After seconds`,
              headers: { 'retry-after': { schema: { type: 'integer' } } },
              content: content(errorBody),
            },
          }),
      ...Object.fromEntries(
        Object.entries(r.otherResponses ?? {}).map(([status, description]) => [
          status,
          { description },
        ]),
      ),
      default: { description: 'error', content: content(errorBody) },
    },
  };
}

/** The OpenAPI document, generated from the route declarations the server registers. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, r] of Object.entries(allRoutes)) {
    const entry = (paths[openApiPath(r.path)] ??= {});
    entry[r.method.toLowerCase()] = operation(name, r);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'Ringmaster API', version },
    components: {
      securitySchemes: {
        admin: {
          type: 'http',
          scheme: 'bearer',
          description:
            "a user's API or session token (or the first admin's); each operation's " +
            'x-permission names the permission its role needs',
        },
        computer: { type: 'http', scheme: 'bearer', description: "a computer's own credential" },
        point: {
          type: 'http',
          scheme: 'bearer',
          description: "a distribution point's own credential (from `distribution-point register`)",
        },
      },
    },
    paths,
  };
}
