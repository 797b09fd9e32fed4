import { parse as parseLossless } from 'lossless-json';

/**
 * The text of the JSON numbers in a message, as written, for the money grammar (checked on the
 * text, not on a binary float). JSON.parse drops the text and Node 20 has no source-text access in
 * its reviver, so: a cheap scan says whether any number in the message could break the grammar
 * (an exponent, or 3+ decimals); only then is the message parsed again with lossless-json, which
 * keeps every number's text. Nearly every message takes the scan alone.
 */

/** A number in the message that is not plain with at most 2 decimals. */
export interface NumberTexts {
  /** The text of the number at `path` (keys and indexes from the root), or undefined when it is not a number. */
  at(path: readonly (string | number)[]): string | undefined;
}

// A number token: after `:`, `[` or `,` (and whitespace), and before `,`, `}` or `]` (and
// whitespace), with 3+ decimals or an exponent. Every number token of a JSON text is preceded and
// followed so; the same characters inside a string only make the (exact) slow path run.
const SUSPICIOUS = /[:,[]\s*-?\d+(?:\.\d{3,}|(?:\.\d+)?[eE][-+]?\d+)\s*[,}\]]/;

/** Number texts of a valid JSON text, or undefined when every number in it is plain with at most 2 decimals. */
export function unusualNumberTexts(json: string): NumberTexts | undefined {
  if (!SUSPICIOUS.test(json)) return undefined;
  // Last key wins on duplicates, as in JSON.parse, so both parses see the same values.
  const tree = parseLossless(json, null, { parseNumber: (text) => new NumberText(text), onDuplicateKey: ({ newValue }) => newValue });
  return {
    at(path) {
      let node: unknown = tree;
      for (const key of path) {
        if (typeof node !== 'object' || node === null) return undefined;
        node = (node as Record<string | number, unknown>)[key];
      }
      return node instanceof NumberText ? node.text : undefined;
    },
  };
}

class NumberText {
  constructor(readonly text: string) {}
}
