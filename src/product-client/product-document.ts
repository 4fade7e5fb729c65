/**
 * A product exactly as the Product Service (Express + Mongoose) serialises it: the stored fields,
 * the `id` virtual and the computed virtuals `discountPercentage`, `inStock` and `lowStock`.
 * Money is a JSON number of dollars (a Mongoose Number), so it carries binary-float values.
 */
export interface ProductDocument {
  /** 24-hex Mongo ObjectId. */
  _id: string;
  /** Mongoose's `id` virtual: the same value as `_id`. */
  id: string;
  name: string;
  description: string;
  shortDescription?: string;
  price: number;
  comparePrice?: number;
  /** Stored upper case. */
  sku: string;
  category: string;
  subcategory?: string;
  brand?: string;
  images: ProductImage[];
  /** Integer, never negative. */
  stock: number;
  lowStockThreshold: number;
  isActive: boolean;
  isFeatured: boolean;
  tags: string[];
  rating: ProductRating;
  weight?: ProductWeight;
  dimensions?: ProductDimensions;
  /** ISO 8601 timestamps. */
  createdAt: string;
  updatedAt: string;
  discountPercentage: number;
  inStock: boolean;
  lowStock: boolean;
}

export interface ProductImage {
  url: string;
  alt: string;
  isPrimary: boolean;
}

export interface ProductRating {
  average: number;
  count: number;
}

export interface ProductWeight {
  value: number;
  unit: string;
}

export interface ProductDimensions {
  length: number;
  width: number;
  height: number;
  unit: string;
}

/** What is stored; `id` and the computed virtuals are derived from it. */
export type ProductFields = Omit<
  ProductDocument,
  'id' | 'discountPercentage' | 'inStock' | 'lowStock'
>;

/**
 * Adds `id` and the computed virtuals the way the Product Service does, so hand-made documents
 * cannot disagree with themselves (e.g. `stock: 0` with `inStock: true`).
 */
export function withComputedFields(p: ProductFields): ProductDocument {
  const discountPercentage =
    p.comparePrice !== undefined && p.comparePrice > p.price
      ? Math.round(((p.comparePrice - p.price) / p.comparePrice) * 100)
      : 0;
  return {
    ...p,
    id: p._id,
    discountPercentage,
    inStock: p.stock > 0,
    lowStock: p.stock <= p.lowStockThreshold,
  };
}
