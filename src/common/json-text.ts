/**
 * JSON text as JSON.stringify writes it, from JSON text with whitespace between its tokens (as
 * PostgreSQL's json_build_object and jsonb output write it). Strings are copied as they are,
 * escapes included: nothing in them is parsed or re-encoded.
 */
export function compactJson(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === SPACE || c === NEWLINE || c === TAB || c === RETURN) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

const QUOTE = 34;
const BACKSLASH = 92;
const SPACE = 32;
const NEWLINE = 10;
const TAB = 9;
const RETURN = 13;
