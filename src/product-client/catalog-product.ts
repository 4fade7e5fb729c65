import { DomainError } from '../common/errors/domain-error';
import { priceToCents } from '../common/money';

/** The platform's product ids are Mongo ObjectIds; nothing else may reach a URL. */
export const PRODUCT_ID = /^[0-9a-f]{24}$/;

/** What the Order Service needs of a product, checked and with the price in cents. */
export interface CatalogProduct {
  id: string;
  name: string;
  sku: string;
  priceCents: number;
  stock: number;
  isActive: boolean;
  image: string | null;
  brand: string | null;
  category: string | null;
}

function badResponse(id: string, why: string): DomainError {
  return new DomainError(
    'PRODUCT_SERVICE_BAD_RESPONSE',
    `The Product Service's answer for product ${id} is unusable: ${why}.`,
    { extensions: { product_id: id } },
  );
}

const optionalText = (value: unknown): string | null =>
  typeof value === 'string' && value.length > 0 ? value : null;

/**
 * Checks a Product Service document. Anything off is the neighbour's fault (502), never a
 * reason to guess: a missing price must not become a free product.
 */
export function parseProduct(id: string, raw: unknown): CatalogProduct {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badResponse(id, 'not a JSON object');
  }
  const doc = raw as Record<string, unknown>;
  const docId = doc._id ?? doc.id;
  if (typeof docId !== 'string' || docId.toLowerCase() !== id) {
    throw badResponse(id, 'it describes another product');
  }
  if (typeof doc.name !== 'string' || doc.name.trim() === '') throw badResponse(id, 'no name');
  if (typeof doc.sku !== 'string' || doc.sku.trim() === '') throw badResponse(id, 'no sku');
  if (typeof doc.price !== 'number' || doc.price < 0) {
    throw badResponse(id, 'price is not a non-negative number');
  }
  const priceCents = priceToCents(doc.price);
  if (priceCents === null) throw badResponse(id, 'price is not an amount in cents');
  if (typeof doc.stock !== 'number' || !Number.isInteger(doc.stock) || doc.stock < 0) {
    throw badResponse(id, 'stock is not a non-negative integer');
  }
  if (doc.isActive !== undefined && typeof doc.isActive !== 'boolean') {
    throw badResponse(id, 'isActive is not a boolean');
  }
  const images = Array.isArray(doc.images) ? (doc.images as unknown[]) : [];
  const first = images[0] as { url?: unknown } | undefined;
  return {
    id,
    name: doc.name.slice(0, 500),
    sku: doc.sku.slice(0, 100),
    priceCents,
    stock: doc.stock,
    isActive: doc.isActive !== false,
    image: optionalText(first?.url),
    brand: optionalText(doc.brand),
    category: optionalText(doc.category),
  };
}
