import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from '../src/config/environment';

// What a newcomer reads first: the Quick start holds exactly the two commands, the other test
// commands have a section of their own, the stock caveat is written down, and every setting is
// in the README's table.

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = README.slice(start + title.length + 5);
  const end = rest.search(/\n## /);
  return end === -1 ? rest : rest.slice(0, end);
}

const codeBlocks = (text: string) => [...text.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README', () => {
  it('Quick start has one code block: exactly `npm ci && npm start` and `npm test`', () => {
    expect(codeBlocks(section('Quick start'))).toEqual(['npm ci && npm start\nnpm test\n']);
  });

  it('a Testing section holds the other test commands', () => {
    const testing = codeBlocks(section('Testing')).join('\n');
    for (const command of ['npm run test:unit', 'npm run test:reliability', 'TEST_DATABASE_URL=']) {
      expect(testing).toContain(command);
    }
  });

  it('says that without an Inventory Service nothing decrements stock', () => {
    expect(README).toMatch(/Without `INVENTORY_SERVICE_URL` nothing decrements stock/);
  });

  it.each(Object.keys(new Environment()))('the settings table lists %s', (name) => {
    expect(README).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });
});
