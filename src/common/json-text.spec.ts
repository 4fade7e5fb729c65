import { compactJson } from './json-text';

describe('compactJson', () => {
  it('writes what JSON.stringify writes for the same value', () => {
    const value = {
      a: 'x, y: z',
      'k "q" \\': [1, 2.5, null, true, { n: 'tab\there', e: '\u0001\n' }],
      nested: { empty: {}, list: [] },
      text: '  spaces  stay  ',
    };
    const spaced = JSON.stringify(value, null, 2);
    expect(spaced).not.toBe(JSON.stringify(value));
    expect(compactJson(spaced)).toBe(JSON.stringify(value));
  });

  it('leaves compact text as it is', () => {
    const text = JSON.stringify({ a: [1, { b: 'c d' }] });
    expect(compactJson(text)).toBe(text);
  });

  it('reads an escaped quote or backslash as part of its string', () => {
    expect(compactJson('{"a" : "\\" , \\\\", "b" : [1, 2]}')).toBe('{"a":"\\" , \\\\","b":[1,2]}');
  });
});
