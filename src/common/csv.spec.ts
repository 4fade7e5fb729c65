import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { csvCell, csvLine, csvTransform } from './csv';

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=SUM(A1:A2)', "'=SUM(A1:A2)"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("x","y")', `"'=HYPERLINK(""x"",""y"")"`],
    ['Zoë Ünal 東京', 'Zoë Ünal 東京'],
    ['', ''],
  ])('writes %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes numbers and empty values as they are', () => {
    expect(csvLine([1, null, undefined, '12.50', false])).toBe('1,,,12.50,false\r\n');
  });

  it('streams a header and one line per row, and a header alone for no rows', async () => {
    const rows = Readable.from([{ a: 'x', b: 1 }, { a: 'y,z' }]);
    expect(await text(rows.pipe(csvTransform(['a', 'b'])))).toBe('a,b\r\nx,1\r\n"y,z",\r\n');
    expect(await text(Readable.from([]).pipe(csvTransform(['a', 'b'])))).toBe('a,b\r\n');
  });

  it('sends many rows in a few chunks of whole lines, the same text as line by line', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ a: `order-${i}`, b: i }));
    const chunks: string[] = [];
    for await (const chunk of Readable.from(rows).pipe(csvTransform(['a', 'b']))) {
      chunks.push(String(chunk));
    }
    const expected = 'a,b\r\n' + rows.map((r) => `${r.a},${r.b}\r\n`).join('');
    expect(chunks.join('')).toBe(expected);
    expect(chunks.length).toBeLessThan(rows.length / 100);
    expect(chunks.every((c) => c.endsWith('\r\n'))).toBe(true);
  });
});
