import type { EntitySchema } from 'typeorm';

// Listed explicitly (not globbed) so that the app, the CLI and the tests load the same classes.
export const ENTITIES: (EntitySchema | (new () => object))[] = [];
