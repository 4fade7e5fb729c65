/*
 * Characters that no text accepted by the service may hold, wherever it comes from (body, path,
 * query, token). PostgreSQL refuses U+0000 in text and jsonb and cannot store a lone UTF-16
 * surrogate at all (the driver would send U+FFFD instead, so the row would differ from what the
 * response shows); other control characters and bidirectional overrides let a value display as
 * something it is not (in an admin screen, a log line, a shipping label).
 */

/** C0 controls other than tab, line feed and carriage return; DEL; the C1 controls. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** Tab, line feed and carriage return: text only in fields that may span lines. */
const LINE_BREAKS = /[\t\n\r]/;
/** Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be accepted anywhere, or undefined when it can. */
export function unsafeTextProblem(
  text: string,
  options: { multiline?: boolean } = {},
): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate';
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (CONTROL.test(text)) return 'contains a control character';
  if (!options.multiline && LINE_BREAKS.test(text)) {
    return 'contains a tab or line break (allowed only in multi-line text)';
  }
  if (BIDI_CONTROL.test(text)) return 'contains a bidirectional control character';
  return undefined;
}

/**
 * A member name or value as it may be echoed in an error: anything unsafe or invisible is shown
 * as a \u escape, so that the answer itself carries no such character.
 */
export function printable(text: string): string {
  const shown = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return shown.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The first string in `value` (the value itself, or at any depth of an object or array, member
 * names included) that is unsafe. With `multiline`, tab and line breaks in values are left to the
 * field's own validator, which knows whether it may span lines. Walked without recursion.
 */
export function findUnsafeText(
  value: unknown,
  root: string,
  options: { multiline?: boolean } = {},
): { field: string; detail: string } | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      const problem = unsafeTextProblem(item, options);
      if (problem) return { field: path, detail: `${path} ${problem}` };
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    for (const [key, member] of Object.entries(item)) {
      const field = path ? `${path}.${printable(key)}` : printable(key);
      const problem = unsafeTextProblem(key, { multiline: false });
      if (problem) return { field, detail: `the member name ${field} ${problem}` };
      stack.push([member, field]);
    }
  }
  return undefined;
}
