import { Module } from '@nestjs/common';
import { neighbourHttpProvider } from '../common/neighbour-http';
import { InventoryClient } from './inventory-client.service';

@Module({
  providers: [
    neighbourHttpProvider((config) => ({
      service: 'inventory',
      baseUrl: config.INVENTORY_SERVICE_URL,
      timeoutMs: config.INVENTORY_SERVICE_TIMEOUT_MS,
      maxResponseBytes: 256 * 1024,
    })),
    InventoryClient,
  ],
  exports: [InventoryClient],
})
export class InventoryClientModule {}
