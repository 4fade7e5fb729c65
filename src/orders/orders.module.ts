import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ProductClientModule } from '../product-client/product-client.module';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

@Module({
  imports: [ProductClientModule, IdempotencyModule],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class OrdersModule {}
