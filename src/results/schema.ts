import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { packageRoot } from '../paths.js';

/** Path of the published JSON Schema of result files, version 1. */
const resultSchemaPath = join(packageRoot, 'schema', 'result-v2.schema.json');

let validator: ValidateFunction | undefined;

/** Validate a parsed result file against the schema; returns readable problems (empty = valid). */
export function validateResult(value: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // ajv-formats is CommonJS; its default export arrives wrapped under ESM.
    type AddFormats = (ajv: Ajv) => Ajv;
    const wrapped = addFormatsModule as unknown as { default?: AddFormats };
    const addFormats = wrapped.default ?? (addFormatsModule as unknown as AddFormats);
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(resultSchemaPath, 'utf8')) as object);
  }
  if (validator(value)) return [];
  return (validator.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}
