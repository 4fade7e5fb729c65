import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type TestAgent from 'supertest/lib/agent';
import type { DataSource } from 'typeorm';
import { FakeInventoryService, type InventoryServiceOptions } from '../fakes/inventory-service';
import { FakeProductService, type ProductServiceOptions } from '../fakes/product-service';
import { FakeUserService, type UserServiceOptions } from '../fakes/user-service';
import { OrdersClient } from './api-client';
import { createTestApp, type TestApp, type TestAppOptions } from './app';
import { makeUser, type TestUser } from './tokens';

/*
 * The one set-up of the e2e suites: the fake neighbours a describe block asks for, the real
 * AppModule on its own cloned database pointed at them, and the clean-up of both. Called while
 * jest collects a describe block, it registers that block's beforeAll/afterEach/afterAll.
 */

export type AppEnv = Record<string, string | undefined>;

export interface OrderServiceOptions {
  /** A fake Product Service (PRODUCT_SERVICE_URL); `true` starts it with the demo catalogue. */
  product?: boolean | ProductServiceOptions;
  /** A fake User Service (USER_SERVICE_URL). */
  user?: boolean | UserServiceOptions;
  /** A fake Inventory Service (INVENTORY_SERVICE_URL); its stock agrees with the demo catalogue. */
  inventory?: boolean | InventoryServiceOptions;
  /**
   * Settings for this app only, applied over the fakes' URLs (`undefined` removes one, e.g. a fake
   * that runs but is not configured). A function is called in beforeAll, once the fakes listen,
   * for values only known then (a free port).
   */
  env?: AppEnv | (() => AppEnv | Promise<AppEnv>);
  app?: TestAppOptions;
}

/**
 * A TestApp (so every helper taking one accepts it) whose members are usable from beforeAll on,
 * plus the fakes, a customer and an admin, and the orders API client.
 */
export interface OrderService extends TestApp {
  /** The fakes exist from the start (tests may keep them in consts); they listen in beforeAll. */
  readonly products: FakeProductService;
  readonly users: FakeUserService;
  readonly inventory: FakeInventoryService;
  readonly customer: TestUser;
  readonly admin: TestUser;
  readonly orders: OrdersClient;
}

type Fakes = {
  products?: FakeProductService;
  users?: FakeUserService;
  inventory?: FakeInventoryService;
};

function createFake<T, O>(
  wanted: boolean | O | undefined,
  create: (options: O) => T,
): T | undefined {
  if (wanted === undefined || wanted === false) return undefined;
  return create(wanted === true ? ({} as O) : wanted);
}

/**
 * Fakes and app for the enclosing describe block. After each test the fakes' switches (failures,
 * latency, request log) are cleared and a fake a test took down listens again, so no test sees
 * another's faults; their data (products, users, stock) is kept.
 */
export function useOrderService(options: OrderServiceOptions = {}): OrderService {
  const fakes: Fakes = {
    products: createFake(options.product, (o: ProductServiceOptions) =>
      FakeProductService.create(o),
    ),
    users: createFake(options.user, (o: UserServiceOptions) => FakeUserService.create(o)),
    inventory: createFake(options.inventory, (o: InventoryServiceOptions) =>
      FakeInventoryService.create(o),
    ),
  };
  const started = Object.values(fakes).filter((fake) => fake !== undefined);
  let app: TestApp | undefined;

  beforeAll(async () => {
    for (const fake of started) await fake.up();
    const env = typeof options.env === 'function' ? await options.env() : (options.env ?? {});
    app = await createTestApp(
      {
        ...(fakes.products && { PRODUCT_SERVICE_URL: fakes.products.url }),
        ...(fakes.users && { USER_SERVICE_URL: fakes.users.url }),
        ...(fakes.inventory && { INVENTORY_SERVICE_URL: fakes.inventory.url }),
        ...env,
      },
      options.app,
    );
  });

  afterEach(async () => {
    for (const fake of started) {
      fake.reset();
      await fake.up();
    }
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= live().close());

  afterAll(async () => {
    // The app first: closing it ends the requests it may still have open to the fakes.
    if (app) await close();
    for (const fake of started) await fake.close();
  });

  const live = (): TestApp => {
    if (!app) throw new Error('the app starts in beforeAll: use it inside a hook or a test');
    return app;
  };
  const fake = <K extends keyof Fakes>(key: K, option: keyof OrderServiceOptions) => {
    const found = fakes[key];
    if (!found) throw new Error(`no fake ${key}: pass \`${option}: true\` to useOrderService`);
    return found;
  };

  const service: Omit<OrderService, 'orders'> = {
    get app(): NestFastifyApplication {
      return live().app;
    },
    get http(): TestAgent {
      return live().http;
    },
    get db(): DataSource {
      return live().db;
    },
    get databaseUrl(): string {
      return live().databaseUrl;
    },
    close,
    get products() {
      return fake('products', 'product');
    },
    get users() {
      return fake('users', 'user');
    },
    get inventory() {
      return fake('inventory', 'inventory');
    },
    customer: makeUser('customer'),
    admin: makeUser('admin'),
  };
  return Object.assign(service, { orders: new OrdersClient(service) });
}
