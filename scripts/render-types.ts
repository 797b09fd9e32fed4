import { readFile } from 'node:fs/promises';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

export const EVENT_SCHEMA_PATH = new URL('../schemas/order-event.v1.schema.json', import.meta.url);

export async function renderEventTypes(): Promise<string> {
  const schema = JSON.parse(await readFile(EVENT_SCHEMA_PATH, 'utf8')) as JSONSchema;
  return compile(schema, 'OrderEvent', {
    bannerComment: '// Generated from schemas/order-event.v1.schema.json by `npm run gen:types`. Do not edit.',
    additionalProperties: false,
    unreachableDefinitions: true,
    format: true,
    style: { singleQuote: true, printWidth: 110 },
  });
}
