import {
  applyRateHalfUp,
  centsColumn,
  centsToAmount,
  centsToDecimal,
  priceToCents,
  toCents,
} from './money';

describe('money', () => {
  it.each([
    [1.15, 115],
    [0.29, 29],
    [1299.99, 129999],
    [24.5, 2450],
    [100, 10000],
    [0, 0],
    [0.1, 10],
    [4.35, 435],
    ['107.99', 10799],
    ['1.150', 115],
  ])('converts %p to %p cents exactly', (value, cents) => {
    expect(toCents(value)).toBe(cents);
  });

  it.each([[1.155], [NaN], [Infinity], [1e21], [1e-7], ['abc'], ['1.2.3'], ['']])(
    'refuses %p',
    (value) => {
      expect(toCents(value)).toBeNull();
    },
  );

  it('reads float noise in a neighbour price as the cent it denotes, not a finer amount', () => {
    expect(priceToCents(1.0699999999999998)).toBe(107);
    expect(priceToCents(0.1 + 0.2)).toBe(30);
    expect(priceToCents(1.15)).toBe(115);
    expect(priceToCents(1.155)).toBeNull();
    expect(priceToCents(NaN)).toBeNull();
  });

  it('formats cents as exact decimals and JSON amounts', () => {
    expect(centsToDecimal(10799)).toBe('107.99');
    expect(centsToDecimal(5)).toBe('0.05');
    expect(centsToDecimal(-250)).toBe('-2.50');
    expect(centsToAmount(10799)).toBe(107.99);
    expect(JSON.stringify(centsToAmount(115))).toBe('1.15');
  });

  it('maps numeric(12,2) text to cents and back', () => {
    expect(centsColumn.from('4213.21')).toBe(421321);
    expect(centsColumn.to(421321)).toBe('4213.21');
    expect(centsColumn.from(null)).toBeNull();
  });

  it.each([
    [10000, 0.08, 800],
    [1, 0.08, 0], // 0.08 cent rounds down
    [7, 0.08, 1], // 0.56 cent rounds up
    [625, 0.08, 50], // exactly 50.00
    [3125, 0.08, 250], // exactly 250
    [1875, 0.1, 188], // 187.5 -> half up
    [390112, 0.08, 31209],
  ])('%p cents at rate %p is %p cents of tax, half-up', (cents, rate, tax) => {
    expect(applyRateHalfUp(cents, rate)).toBe(tax);
  });
});
