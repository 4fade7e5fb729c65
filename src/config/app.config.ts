import { ConfigType, registerAs } from '@nestjs/config';
import { validateEnvironment } from './environment';

/**
 * Validated when the Nest container is built rather than when the module file is imported, so that
 * each application instance (and each e2e test file) reads the environment it was started with.
 */
export const appConfig = registerAs('app', () => validateEnvironment(process.env));
export type AppConfig = ConfigType<typeof appConfig>;
