import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { InventoryClientModule } from '../inventory-client/inventory-client.module';
import { OutboxModule } from '../outbox/outbox.module';
import { ProductClientModule } from '../product-client/product-client.module';
import { UserClientModule } from '../user-client/user-client.module';
import { OrderChangesService } from './order-changes.service';
import { OrderExportService } from './order-export.service';
import { OrderPlacementService } from './order-placement.service';
import { OrderQueriesService } from './order-queries.service';
import { OrderSearchRepository } from './order-search.repository';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { StockRelayHandler } from './stock-relay.handler';

@Module({
  imports: [
    ProductClientModule,
    IdempotencyModule,
    UserClientModule,
    InventoryClientModule,
    OutboxModule,
  ],
  controllers: [OrdersController],
  providers: [
    OrdersRepository,
    OrderSearchRepository,
    OrderExportService,
    OrderPlacementService,
    OrderQueriesService,
    OrderChangesService,
    StockRelayHandler,
  ],
  // Payments change orders through the same process and repository.
  exports: [OrdersRepository, OrderChangesService],
})
export class OrdersModule {}
