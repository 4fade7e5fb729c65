import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from './auth/decorators';
import { appConfig, type AppConfig } from './config/app.config';

@ApiExcludeController()
@Public()
@Controller()
export class AppController {
  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  @Get()
  root() {
    return { message: 'Order Service API', version: this.config.APP_VERSION, docs: '/docs' };
  }
}
