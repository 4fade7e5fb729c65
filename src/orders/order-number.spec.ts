import { generateOrderNumber, ORDER_NUMBER } from './order-number';

describe('generateOrderNumber', () => {
  it('uses the UTC date and six upper-case letters or digits', () => {
    const number = generateOrderNumber(new Date('2025-11-24T23:59:59.999-05:00'));
    expect(number).toMatch(/^ORD-20251125-[A-Z0-9]{6}$/);
    expect(number).toMatch(ORDER_NUMBER);
  });

  it('rarely repeats', () => {
    const numbers = new Set(Array.from({ length: 5000 }, () => generateOrderNumber()));
    expect(numbers.size).toBe(5000);
  });
});
