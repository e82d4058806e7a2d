// The JSON line of one log record, pure: levels, redaction of secret fields by path, the `err` serializer and a
// stringify that survives cycles and bigints. The shape is pino's (numeric `level`, `time`, `pid`, bindings, the
// record's fields, `msg`), so log readers and tools made for it keep working.

/** Level names and their numbers (pino's); `silent` is above every level, so nothing passes it. */
export const LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
} as const;
export type LevelName = keyof typeof LEVELS;

/** The level's number; throws for a name that is not a level, naming the ones that are. */
export function levelValue(name: string): number {
  if (!Object.hasOwn(LEVELS, name)) {
    throw new Error(`unknown log level "${name}": use one of ${Object.keys(LEVELS).join(', ')}`);
  }
  return LEVELS[name as LevelName];
}

/** What replaces a redacted value. */
export const CENSOR = '[redacted]';

/** Paths whose values are secrets, dotted; `*` is any key at its depth. */
export const SECRET_PATHS: readonly string[] = [
  'token',
  'secret',
  'private_key',
  'privateKey',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.token',
  '*.secret',
  '*.private_key',
  '*.privateKey',
  '*.authorization',
];

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null;

function redactPath(o: Fields, path: readonly string[]): Fields {
  const [key, ...rest] = path;
  if (key === undefined) return o;
  const keys = key === '*' ? Object.keys(o) : Object.hasOwn(o, key) ? [key] : [];
  let out = o;
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    const next = rest.length === 0 ? CENSOR : isObject(v) ? redactPath(v, rest) : v;
    if (next === v) continue;
    if (out === o) out = Array.isArray(o) ? ([...o] as unknown as Fields) : { ...o };
    out[k] = next;
  }
  return out;
}

/**
 * `fields` with the value at each of `paths` (split on dots) replaced by `[redacted]`. Copies what it changes and
 * never touches the caller's objects; a path that is not there adds nothing.
 */
export function redact(fields: Fields, paths: readonly (readonly string[])[]): Fields {
  return paths.reduce(redactPath, fields);
}

const isErrorLike = (e: unknown): e is Error => isObject(e) && typeof e.message === 'string';

/** The chain of `cause`s of `e` that are errors, `e` first, each once. */
function causes(e: Error): Error[] {
  const chain = [e];
  for (let c = e.cause; isErrorLike(c) && !chain.includes(c); c = c.cause) chain.push(c);
  return chain;
}

/**
 * An error as pino's serializer makes it: `type` (its class), `message` and `stack` with those of its causes
 * (`a: b`, `…\ncaused by: …`), `aggregateErrors`, and its own fields (`code`…).
 */
export function serializeError(e: Error, seen = new Set<Error>()): Fields {
  seen.add(e);
  const chain = causes(e);
  const out: Fields = {
    type: e.constructor?.name ?? e.name,
    message: chain.map((c) => c.message).join(': '),
    stack: chain.map((c) => c.stack).join('\ncaused by: '),
  };
  if (e instanceof AggregateError) {
    out.aggregateErrors = e.errors.map((x) => (isErrorLike(x) && !seen.has(x) ? serializeError(x, seen) : x));
  }
  for (const [k, v] of Object.entries(e)) {
    if (k in out || (k === 'cause' && isErrorLike(v))) continue;
    if (!isErrorLike(v)) out[k] = v;
    else if (!seen.has(v)) out[k] = serializeError(v, seen);
  }
  return out;
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    const path: unknown[] = [];
    return JSON.stringify(v, function (this: unknown, _k, x: unknown) {
      if (typeof x === 'bigint') return x.toString();
      if (!isObject(x)) return x;
      while (path.length > 0 && path.at(-1) !== this) path.pop();
      if (path.includes(x)) return '[Circular]';
      path.push(x);
      return x;
    });
  }
}

/** `,"k":v…` of `fields` (redacted, `err` serialized), or '' for none: what goes between other parts of a line. */
export function fieldsJson(fields: object, paths: readonly (readonly string[])[]): string {
  const err = (fields as Fields).err;
  const withErr = isErrorLike(err) ? { ...fields, err: serializeError(err) } : (fields as Fields);
  const json = safeStringify(redact(withErr, paths));
  return json.length > 2 ? `,${json.slice(1, -1)}` : '';
}

/** One record's line, newline-terminated; `bindings` is the logger's `fieldsJson` of its pid and bindings. */
export function logLine(level: number, time: number, bindings: string, fields: string, msg?: string): string {
  const m = msg === undefined ? '' : `,"msg":${JSON.stringify(msg)}`;
  return `{"level":${level},"time":${time}${bindings}${fields}${m}}\n`;
}
