import { DomainError } from '../common/errors/domain-error';
import { parseProduct } from './catalog-product';

const id = '65a1f0c0e4b0a1b2c3d4e5f1';
const doc = {
  _id: id,
  id,
  name: 'Volt AA',
  sku: 'ELEC-AA',
  price: 1.15,
  stock: 4,
  isActive: true,
  brand: 'Volt',
  category: 'electronics',
  images: [
    { url: 'https://img/1.jpg', alt: '', isPrimary: true },
    { url: 'https://img/2.jpg', alt: '', isPrimary: false },
  ],
};

describe('parseProduct', () => {
  it('keeps what an order needs, price in exact cents', () => {
    expect(parseProduct(id, doc)).toEqual({
      id,
      name: 'Volt AA',
      sku: 'ELEC-AA',
      priceCents: 115,
      stock: 4,
      isActive: true,
      image: 'https://img/1.jpg',
      brand: 'Volt',
      category: 'electronics',
    });
  });

  it.each([
    ['a string', 'not json'],
    ['an array', [doc]],
    ['another product', { ...doc, _id: '65a1f0c0e4b0a1b2c3d4e5f2' }],
    ['price "abc"', { ...doc, price: 'abc' }],
    ['a negative price', { ...doc, price: -1 }],
    ['sub-cent price', { ...doc, price: 1.155 }],
    ['no price', { ...doc, price: undefined }],
    ['fractional stock', { ...doc, stock: 1.5 }],
    ['negative stock', { ...doc, stock: -1 }],
    ['no name', { ...doc, name: '' }],
    ['no sku', { ...doc, sku: undefined }],
    ['isActive "yes"', { ...doc, isActive: 'yes' }],
  ])('blames the Product Service for %s', (_label, raw) => {
    let thrown: unknown;
    try {
      parseProduct(id, raw);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe('PRODUCT_SERVICE_BAD_RESPONSE');
  });
});
