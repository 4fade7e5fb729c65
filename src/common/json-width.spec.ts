import { tooWideObject } from './json-width';

const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
const scan = (value: unknown, max = 3) => tooWideObject(Buffer.from(JSON.stringify(value)), max);

describe('tooWideObject', () => {
  it('finds a top-level object with too many members', () => {
    expect(scan(wide(4))).toEqual({ path: '', members: 4 });
    expect(scan(wide(3))).toBeUndefined();
  });

  it('names a nested one by its path, array indexes included', () => {
    expect(scan({ a: 1, b: { c: [{}, wide(4)] } })).toEqual({ path: 'b.c.1', members: 4 });
    expect(scan({ 'we.ird"': wide(5) })).toEqual({ path: 'we.ird"', members: 4 });
  });

  it('is not fooled by colons, braces and quotes inside strings', () => {
    expect(scan({ a: 'x:y:z:w', b: '{"c":1,"d":2}', c: 'q\\":\\"' })).toBeUndefined();
    expect(scan([wide(3), wide(3), { s: ':::::' }])).toBeUndefined();
  });

  it('counts members of objects, not elements of arrays', () => {
    expect(scan({ a: [1, 2, 3, 4, 5, 6] })).toBeUndefined();
  });

  it('stops at the first object past the limit', () => {
    expect(tooWideObject(Buffer.from(JSON.stringify(wide(9000))), 100)).toEqual({
      path: '',
      members: 101,
    });
  });
});
