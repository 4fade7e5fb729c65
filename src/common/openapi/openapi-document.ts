import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../../config/app.config';
import { withPublicRoutes } from './public-route';

/**
 * The OpenAPI document (/docs-json) and Swagger UI (/docs). The document is built on the first
 * request for it and kept: building it at start-up cost every replica a few megabytes and tens
 * of milliseconds of start-up for a page that only people and client generators read.
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  const document = () =>
    withPublicRoutes(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle(config.APP_NAME)
          .setDescription(
            'Turns a basket into a priced order and carries it from pending to delivered.',
          )
          .setVersion(config.APP_VERSION)
          // Proprietary, as package.json says; the URL explains the SPDX term.
          .setLicense(
            'UNLICENSED (proprietary)',
            'https://docs.npmjs.com/cli/configuring-npm/package-json#license',
          )
          // Relative, so that Swagger UI and generated clients talk to whichever host served this.
          .addServer('/', 'This service')
          .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
          .addSecurityRequirements('bearer')
          .build(),
      ),
    );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
