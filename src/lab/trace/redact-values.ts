// redact values: a MongoDB filter or update with its keys kept and every value
// replaced by "?", for the trace page. The shape says what a query looks for
// ({ _id: "?" }, { $inc: { visits: "?" } }); the values (an ID, a hash, a
// username, a token) are nobody's business there.

// deep enough for { $set: { session: { userId: "?" } } }, no deeper
const MAX_DEPTH = 4;
// a session document's fields, a filter's conditions: rarely more than this
const MAX_KEYS = 16;
const MAX_ITEMS = 3;
export const HIDDEN = '?';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  // BSON values (ObjectId, Binary, Date) are objects too: values, not shapes
  return (proto === Object.prototype || proto === null) && !('_bsontype' in value);
}

export function redactValues(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return [`${value.length} items`];
    const shown = value.slice(0, MAX_ITEMS).map((item) => redactValues(item, depth + 1));
    return value.length > MAX_ITEMS ? [...shown, `${value.length - MAX_ITEMS} more`] : shown;
  }
  if (!isPlainObject(value)) return HIDDEN;
  const keys = Object.keys(value);
  if (depth >= MAX_DEPTH) return keys.length === 0 ? {} : { '…': `${keys.length} keys` };
  const shape: Record<string, unknown> = {};
  for (const key of keys.slice(0, MAX_KEYS)) shape[key] = redactValues(value[key], depth + 1);
  if (keys.length > MAX_KEYS) shape['…'] = `${keys.length - MAX_KEYS} more keys`;
  return shape;
}
