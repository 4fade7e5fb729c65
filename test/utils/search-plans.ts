import type { ClientBase } from 'pg';
import { EMPTY_SEARCH, OrderSearch, searchParameters } from '../../src/orders/order-search';
import { SEARCH_STATEMENTS } from '../../src/orders/order-search.repository';
import { BULK } from './seed-orders';

/*
 * The plans PostgreSQL makes for the list statements, exactly as the service sends them (the
 * same constants, the values bound), for every filter alone and in combinations.
 */

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  scenario: string;
  statement: 'page' | 'cursor page' | 'count';
  /** Every scan, as "Node Type on relation (index)". */
  scans: string[];
  /** Sequential scans of orders or order_items. */
  seqScans: string[];
  ms: number;
}

function scans(node: PlanNode, into: string[] = []): string[] {
  if (node['Relation Name']) {
    const index = node['Index Name'] ? ` (${node['Index Name']})` : '';
    into.push(`${node['Node Type']} on ${node['Relation Name']}${index}`);
  }
  for (const child of node.Plans ?? []) scans(child, into);
  return into;
}

/** Filters of the admin search, alone and combined, over the bulk seed (see seed-orders.ts). */
export function planScenarios(now: Date): [string, Partial<OrderSearch>][] {
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
  const day = new Date(now.getTime() - 100 * 86_400_000).toISOString().slice(0, 10);
  return [
    ['no filter', {}],
    ['status', { statuses: ['pending'] as OrderSearch['statuses'] }],
    ['status list', { statuses: ['pending', 'shipped'] as OrderSearch['statuses'] }],
    ['payment_status', { paymentStatuses: ['failed'] as OrderSearch['paymentStatuses'] }],
    ['created_from', { createdFrom: daysAgo(30) }],
    ['created_from + created_to', { createdFrom: daysAgo(200), createdTo: daysAgo(190) }],
    ['email', { email: 'USER42@example.com' }],
    ['user_id', { userId: BULK.userId(42) }],
    ['order_number exact', { orderNumberPrefix: `ORD-${day.replace(/-/g, '')}-000ABC` }],
    ['order_number prefix (a day)', { orderNumberPrefix: `ORD-${day.replace(/-/g, '')}` }],
    ['total_min + total_max', { totalMin: 12_000, totalMax: 12_500 }],
    ['total_min', { totalMin: 99_000 }],
    ['product_id', { productId: BULK.productId(7) }],
    ['flagged', { flagged: true }],
    ['q (name)', { text: 'customer 3fa' }],
    ['q (e-mail)', { text: 'user4242@' }],
    ['sort total', { sort: 'total' }],
    ['sort -total', { sort: '-total' }],
    ['sort created_at', { sort: 'created_at' }],
    [
      'status + payment_status + dates',
      {
        statuses: ['shipped'] as OrderSearch['statuses'],
        paymentStatuses: ['completed'] as OrderSearch['paymentStatuses'],
        createdFrom: daysAgo(60),
      },
    ],
    [
      'email + status',
      { email: 'user42@example.com', statuses: ['pending'] as OrderSearch['statuses'] },
    ],
    ['product_id + created_from', { productId: BULK.productId(7), createdFrom: daysAgo(90) }],
    ['q + status', { text: 'customer 3fa', statuses: ['pending'] as OrderSearch['statuses'] }],
    ['total range + sort -total', { totalMin: 50_000, totalMax: 60_000, sort: '-total' }],
    ['flagged + dates', { flagged: true, createdFrom: daysAgo(100) }],
    [
      'user_id + status + dates (customer list)',
      {
        userId: BULK.userId(42),
        statuses: ['pending'] as OrderSearch['statuses'],
        createdFrom: daysAgo(300),
        createdTo: daysAgo(10),
      },
    ],
  ];
}

async function explain(client: ClientBase, sql: string, params: unknown[]) {
  const { rows } = await client.query<{
    'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }];
  }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
  const [{ Plan, 'Execution Time': ms }] = rows[0]['QUERY PLAN'];
  return { found: scans(Plan), ms };
}

/** The plans of page 50 (offset), a cursor page and the count, per scenario. */
export async function searchPlans(client: ClientBase, now: Date): Promise<PlanSummary[]> {
  const out: PlanSummary[] = [];
  for (const [scenario, partial] of planScenarios(now)) {
    const search: OrderSearch = { ...EMPTY_SEARCH, ...partial };
    const params = searchParameters(search);
    const cursorKey = search.sort.endsWith('total') ? '500.00' : daysAgo(now, 50);
    const runs: [PlanSummary['statement'], string, unknown[]][] = [
      ['page', SEARCH_STATEMENTS.page[search.sort], [...params, null, null, 980, 21]],
      [
        'cursor page',
        SEARCH_STATEMENTS.page[search.sort],
        [...params, cursorKey, '00000000-0000-0000-0000-000000000000', 0, 21],
      ],
      ['count', SEARCH_STATEMENTS.count, params],
    ];
    for (const [statement, sql, values] of runs) {
      const { found, ms } = await explain(client, sql, values);
      const seqScans = found.filter((s) => /^Seq Scan on (orders|order_items)\b/.test(s));
      out.push({ scenario, statement, scans: [...new Set(found)], seqScans, ms });
    }
  }
  return out;
}

const daysAgo = (now: Date, d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

/** A table to print: scenario, statement, time, scans. */
export function planTable(plans: PlanSummary[]): string {
  return plans
    .map(
      (p) =>
        `${p.scenario.padEnd(42)} ${p.statement.padEnd(11)} ${p.ms.toFixed(1).padStart(8)} ms  ${p.scans.join(', ')}`,
    )
    .join('\n');
}
