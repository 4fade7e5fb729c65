import { Module } from '@nestjs/common';
import { ProductClientModule } from '../product-client/product-client.module';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

@Module({
  imports: [ProductClientModule],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class OrdersModule {}
