import { createHash } from 'node:crypto';
import { CATEGORIES, FREIGHT, PRICE, PRICE_ENDINGS, REPEAT_BUYER_SHARE, STATES, UNCATEGORISED_PRODUCT_SHARE, type StateInfo } from './reference-data.ts';
import { Random } from './random.ts';

export interface CatalogSizes {
  customers: number;
  products: number;
  sellers: number;
}
/** Olist's own counts. */
export const DEFAULT_SIZES: CatalogSizes = { customers: 99441, products: 32951, sellers: 3095 };

export interface Customer {
  customer_id: string;
  customer_unique_id: string;
  customer_zip_code_prefix: string;
  customer_city: string;
  customer_state: string;
}
export interface Seller {
  seller_id: string;
  seller_zip_code_prefix: string;
  seller_city: string;
  seller_state: string;
}
export interface Product {
  product_id: string;
  product_category_name: string | null;
  product_name_lenght: number;
  product_description_lenght: number;
  product_photos_qty: number;
  product_weight_g: number;
  product_length_cm: number;
  product_height_cm: number;
  product_width_cm: number;
}
/** What the generator needs beyond the Olist columns: a list price, a base freight and the usual seller. */
export interface CatalogProduct extends Product {
  price: number;
  freight: number;
  sellerIndex: number;
}

const KIND = { customer: 1, person: 2, product: 3, seller: 4 } as const;
/**
 * Flattens the head of the products' long tail: with Olist's 32,951 products the top one takes
 * ~0.5% of items (Olist: 527 of 112,650) and most products sell once or twice. (Drawn as u^3 before,
 * the top product took 3.1-3.5%: issue 22.10.)
 */
const PRODUCT_HEAD = 30;
/** The same for sellers' share of products: with 3,095 sellers the top one has ~1.7% (Olist's top seller: 1.8% of items). */
const SELLER_HEAD = 10;
const customerStates = STATES.map((s) => ({ value: s, weight: s.customers }));
const sellerStates = STATES.map((s) => ({ value: s, weight: s.sellers }));
const categories = CATEGORIES.map((c) => ({ value: c.name, weight: c.weight }));

/**
 * The stable pools of customers, products and sellers: entity k of a kind is a pure function of
 * (seed, kind, k), so the stream and the dims snapshot agree without holding the pools in memory.
 */
export class Catalog {
  private readonly rng = new Random(0);
  private readonly products = new Map<number, CatalogProduct>();
  private readonly sellers = new Map<number, Seller>();

  constructor(
    readonly seed: number,
    readonly sizes: CatalogSizes = DEFAULT_SIZES,
  ) {}

  private at(kind: number, index: number): Random {
    return this.rng.reseed([this.seed, kind, index]);
  }

  customer(index: number): Customer {
    const rng = this.at(KIND.customer, index);
    const customerId = entityId(this.seed, KIND.customer, index);
    const place = address(rng, rng.pick(customerStates));
    return {
      customer_id: customerId,
      customer_unique_id: this.personOf(index),
      customer_zip_code_prefix: place.zip,
      customer_city: place.city,
      customer_state: place.state,
    };
  }

  /** customer_unique_id: ~3.4% of customer records belong to someone who bought before. */
  private personOf(index: number): string {
    let current = index;
    for (;;) {
      const rng = this.at(KIND.person, current);
      if (current > 0 && rng.chance(REPEAT_BUYER_SHARE)) current = rng.int(0, current - 1);
      else return entityId(this.seed, KIND.person, current);
    }
  }

  seller(index: number): Seller {
    const cached = this.sellers.get(index);
    if (cached) return cached;
    const rng = this.at(KIND.seller, index);
    const sellerId = entityId(this.seed, KIND.seller, index);
    const place = address(rng, rng.pick(sellerStates));
    const seller = { seller_id: sellerId, seller_zip_code_prefix: place.zip, seller_city: place.city, seller_state: place.state };
    this.sellers.set(index, seller);
    return seller;
  }

  product(index: number): CatalogProduct {
    const cached = this.products.get(index);
    if (cached) return cached;
    const rng = this.at(KIND.product, index);
    const productId = entityId(this.seed, KIND.product, index);
    const category = rng.chance(UNCATEGORISED_PRODUCT_SHARE) ? null : rng.pick(categories);
    const weight = Math.max(50, Math.round(rng.logNormal(700, 2200) / 50) * 50);
    const product: CatalogProduct = {
      product_id: productId,
      product_category_name: category,
      product_name_lenght: rng.int(10, 76),
      product_description_lenght: rng.int(40, 3990),
      product_photos_qty: rng.pick([
        { value: 1, weight: 50 },
        { value: 2, weight: 20 },
        { value: 3, weight: 12 },
        { value: 4, weight: 8 },
        { value: 5, weight: 5 },
        { value: 6, weight: 5 },
      ]),
      product_weight_g: weight,
      product_length_cm: rng.int(16, 105),
      product_height_cm: rng.int(2, 105),
      product_width_cm: rng.int(11, 118),
      price: listPrice(rng),
      freight: clamp(rng.logNormal(FREIGHT.median, FREIGHT.mean), 1, FREIGHT.max),
      // A long tail: a few sellers carry many products, most a handful, as in Olist.
      sellerIndex: rng.longTailIndex(this.sizes.sellers, SELLER_HEAD),
    };
    this.products.set(index, product);
    return product;
  }

  /** Popular products sell far more often, most rarely (see PRODUCT_HEAD). */
  popularProduct(rng: Random): number {
    return rng.longTailIndex(this.sizes.products, PRODUCT_HEAD);
  }
}

function address(rng: Random, info: StateInfo): { zip: string; city: string; state: string } {
  const [low, high] = rng.element(info.zips);
  // Earlier cities (the capital first) are the likelier ones.
  const city = info.cities[Math.floor(info.cities.length * rng.next() ** 2)]!;
  return { zip: String(rng.int(low, high)).padStart(5, '0'), city, state: info.state };
}

function listPrice(rng: Random): number {
  const raw = clamp(rng.logNormal(PRICE.median, PRICE.mean), PRICE.min, PRICE.max);
  const ending = rng.pick(PRICE_ENDINGS);
  if (ending < 0 || raw < 5) return Math.round(raw * 100) / 100;
  return Math.floor(raw) + ending;
}

/**
 * The 32-hex id of entity `index` of a kind: a hash of (seed, kind, index), so ids of different kinds
 * never coincide. Drawn from the entity's seeded generator they did: faker's seed(array) (Mersenne
 * Twister's init_by_array) gives [s, 4, k] and [s, 3, k + 1] the same state, so seller k had the id
 * of product k + 1, and a join on the wrong key matched.
 */
function entityId(seed: number, kind: number, index: number): string {
  return createHash('sha256').update(`${seed}:${kind}:${index}`).digest('hex').slice(0, 32);
}

export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
