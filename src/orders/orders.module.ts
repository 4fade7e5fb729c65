import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { InventoryClientModule } from '../inventory-client/inventory-client.module';
import { UserClientModule } from '../user-client/user-client.module';
import { ProductClientModule } from '../product-client/product-client.module';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

@Module({
  imports: [ProductClientModule, IdempotencyModule, UserClientModule, InventoryClientModule],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class OrdersModule {}
