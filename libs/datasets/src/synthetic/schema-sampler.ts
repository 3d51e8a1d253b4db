import { SeededRandom } from './seeded-random';

type JsonSchema = Record<string, unknown>;

const WORDS_BY_HINT: Array<[RegExp, readonly string[]]> = [
  [/city|location|place|town/i, ['Paris', 'Oslo', 'Lima', 'Tokyo', 'Nairobi', 'Toronto', 'Rome', 'Seoul', 'Austin', 'Cairo']],
  [/country/i, ['France', 'Norway', 'Peru', 'Japan', 'Kenya', 'Canada']],
  [/email/i, ['ana@example.com', 'li@example.org', 'sam@example.net']],
  [/name|user|person|author/i, ['Ana', 'Li Wei', 'Samir', 'Olga', 'Kofi', 'Maya']],
  [/query|search|question|text|prompt|topic|keyword/i, ['solar panels', 'best hiking trails', 'python list sort', 'vegan lasagna', 'jazz history', 'tax deadline']],
  [/expression|formula|math/i, ['2 + 2', '17 * 3', '(4 + 5) / 3', '2 ** 10', '100 - 58']],
  [/currency/i, ['USD', 'EUR', 'JPY', 'GBP']],
  [/language|lang/i, ['English', 'French', 'Spanish', 'German']],
  [/url|link/i, ['https://example.com', 'https://example.org/docs']],
  [/id$|_id|identifier/i, ['A-1042', 'B-77', 'ORD-5531']],
];
const GENERIC_WORDS = ['alpha', 'delta', 'report', 'summary', 'blue', 'quick', 'north', 'review', 'draft', 'order'];

function stringFor(rng: SeededRandom, hint: string, schema: JsonSchema): string {
  const format = schema.format;
  if (format === 'date') return `2024-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  if (format === 'date-time') return `2024-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}T${String(rng.int(0, 23)).padStart(2, '0')}:00:00Z`;
  if (format === 'email') return rng.pick(['ana@example.com', 'li@example.org']);
  const bank = WORDS_BY_HINT.find(([pattern]) => pattern.test(hint))?.[1] ?? GENERIC_WORDS;
  let value = rng.pick(bank);
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  while (value.length < min) value += ` ${rng.pick(GENERIC_WORDS)}`;
  return value.slice(0, Math.max(min, Math.min(max, value.length)));
}

function numberFor(rng: SeededRandom, schema: JsonSchema, integer: boolean): number {
  const lowBound = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + (integer ? 1 : 0.01) : 0;
  const highBound = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - (integer ? 1 : 0.01) : lowBound + 100;
  const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : integer ? 1 : 0.5;
  const first = Math.ceil(lowBound / step);
  const last = Math.floor(highBound / step);
  if (last < first) return lowBound;
  const value = rng.int(first, last) * step;
  return integer ? Math.round(value) : Number(value.toFixed(6));
}

/**
 * Draws a value that satisfies a JSON Schema, for the keywords tool definitions use: type (and type lists),
 * enum, const, string length and format, number bounds and multipleOf, array items and sizes, object
 * properties with every required one and a random share of the optional ones, anyOf/oneOf. The property
 * name steers string values toward plausible content ("city" gives a city), so samples read naturally.
 * Callers validate the result: keywords outside this list (pattern, if/then) may not be honoured.
 */
export function sampleFromSchema(schema: JsonSchema, rng: SeededRandom, hint = '', depth = 0): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return rng.pick(schema.enum);
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(variants) && variants.length) return sampleFromSchema(rng.pick(variants), rng, hint, depth + 1);
  let type = schema.type;
  if (Array.isArray(type)) type = rng.pick(type.filter((t) => t !== 'null').length ? type.filter((t) => t !== 'null') : type);
  if (type === undefined) type = schema.properties ? 'object' : schema.items ? 'array' : 'string';
  switch (type) {
    case 'string':
      return stringFor(rng, hint, schema);
    case 'integer':
      return numberFor(rng, schema, true);
    case 'number':
      return numberFor(rng, schema, false);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Math.max(min, 3);
      const items = (schema.items as JsonSchema | undefined) ?? { type: 'string' };
      const count = depth > 4 ? min : rng.int(min, max);
      const out: unknown[] = [];
      for (let i = 0; i < count * 4 && out.length < count; i++) {
        const value = sampleFromSchema(items, rng, hint, depth + 1);
        if (schema.uniqueItems && out.some((v) => JSON.stringify(v) === JSON.stringify(value))) continue;
        out.push(value);
      }
      return out;
    }
    case 'object': {
      const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      const out: Record<string, unknown> = {};
      for (const [name, propertySchema] of Object.entries(properties)) {
        if (required.has(name) || (depth < 4 && rng.chance(0.5))) out[name] = sampleFromSchema(propertySchema, rng, name, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}
