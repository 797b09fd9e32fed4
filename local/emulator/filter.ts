import { invalidArgument } from './resources.ts';

/** A compiled subscription filter: true when the message (by its attributes) is delivered. */
export type AttributeFilter = (attributes: Readonly<Record<string, string>>) => boolean;

// The service's limit on a filter's length, in bytes.
const MAX_FILTER_BYTES = 256;

/**
 * Parses a Pub/Sub subscription filter (https://cloud.google.com/pubsub/docs/subscription-message-filter)
 * into a predicate over a message's attributes. Grammar, as the service documents it:
 *
 *   filter     = or
 *   or         = and { "OR" and }          (AND and OR are not mixed without parentheses)
 *   and        = unary { "AND" unary }
 *   unary      = ( "NOT" | "-" ) unary | primary
 *   primary    = "(" or ")" | "attributes." key ( "=" | "!=" ) string | "attributes:" key
 *              | "hasPrefix(" "attributes." key "," string ")"
 *   key        = identifier ([A-Za-z0-9_-]+) | string;  string = "..." with \" and \\ escapes
 *
 * `attributes.k != "v"` also holds for messages without k (it is NOT of `=`).
 * @throws RpcError INVALID_ARGUMENT naming the position of the first error.
 */
export function parseFilter(text: string): AttributeFilter {
  if (Buffer.byteLength(text) > MAX_FILTER_BYTES) throw invalidArgument(`Invalid filter: longer than ${MAX_FILTER_BYTES} bytes.`);
  const tokens = tokenize(text);
  let index = 0;
  const peek = () => tokens[index];
  const fail = (message: string): never => {
    const at = peek()?.position ?? text.length;
    throw invalidArgument(`Invalid filter at position ${at}: ${message} (filter=${text})`);
  };
  const expect = (kind: Token['kind'], value?: string): Token => {
    const token = peek();
    if (!token || token.kind !== kind || (value !== undefined && token.value !== value)) fail(`expected ${value ?? kind}`);
    index++;
    return token as Token;
  };
  const isWord = (word: string) => peek()?.kind === 'word' && peek()?.value === word;

  function or(): AttributeFilter {
    const first = and();
    if (!isWord('OR')) return first;
    const parts = [first];
    while (isWord('OR')) {
      index++;
      parts.push(and());
    }
    if (isWord('AND')) fail('AND and OR must not be mixed without parentheses');
    return (attributes) => parts.some((part) => part(attributes));
  }

  function and(): AttributeFilter {
    const first = unary();
    if (!isWord('AND')) return first;
    const parts = [first];
    while (isWord('AND')) {
      index++;
      parts.push(unary());
    }
    if (isWord('OR')) fail('AND and OR must not be mixed without parentheses');
    return (attributes) => parts.every((part) => part(attributes));
  }

  function unary(): AttributeFilter {
    if (isWord('NOT') || peek()?.kind === '-') {
      index++;
      const inner = unary();
      return (attributes) => !inner(attributes);
    }
    return primary();
  }

  function primary(): AttributeFilter {
    const token = peek();
    if (token?.kind === '(') {
      index++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (token?.kind === 'word' && token.value === 'hasPrefix') {
      index++;
      expect('(');
      expect('word', 'attributes');
      expect('.');
      const key = attributeKey();
      expect(',');
      const prefix = expect('string').value;
      expect(')');
      return (attributes) => attributes[key]?.startsWith(prefix) ?? false;
    }
    expect('word', 'attributes');
    if (peek()?.kind === ':') {
      index++;
      const key = attributeKey();
      return (attributes) => Object.hasOwn(attributes, key);
    }
    expect('.');
    const key = attributeKey();
    const operator = peek();
    if (operator?.kind !== '=' && operator?.kind !== '!=') return fail('expected = or !=');
    index++;
    const value = expect('string').value;
    return operator.kind === '=' ? (attributes) => attributes[key] === value : (attributes) => attributes[key] !== value;
  }

  function attributeKey(): string {
    const token = peek();
    if (token?.kind === 'word' || token?.kind === 'string') {
      index++;
      return token.value;
    }
    return fail('expected an attribute key');
  }

  if (tokens.length === 0) fail('empty filter');
  const filter = or();
  if (index < tokens.length) fail(`unexpected ${peek()?.value ?? peek()?.kind}`);
  return filter;
}

interface Token {
  kind: 'word' | 'string' | '(' | ')' | '.' | ':' | ',' | '=' | '!=' | '-';
  value: string;
  position: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '"') {
      const start = i++;
      let value = '';
      for (;;) {
        if (i >= text.length) throw invalidArgument(`Invalid filter at position ${start}: unterminated string (filter=${text})`);
        const c = text[i++] as string;
        if (c === '"') break;
        value += c === '\\' && i < text.length ? (text[i++] as string) : c;
      }
      tokens.push({ kind: 'string', value, position: start });
    } else if (char === '!' && text[i + 1] === '=') {
      tokens.push({ kind: '!=', value: '!=', position: i });
      i += 2;
    } else if ('().:,=-'.includes(char)) {
      tokens.push({ kind: char as Token['kind'], value: char, position: i++ });
    } else if (/[A-Za-z0-9_]/.test(char)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_-]/.test(text[i] as string)) i++;
      tokens.push({ kind: 'word', value: text.slice(start, i), position: start });
    } else {
      throw invalidArgument(`Invalid filter at position ${i}: unexpected character ${JSON.stringify(char)} (filter=${text})`);
    }
  }
  return tokens;
}
