import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version in package.json (two levels up from both src/config and dist/config). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const PACKAGE_VERSION = packageVersion();
