import type { Client } from 'pg';
import { SELLABLE } from './scenarios';
import type { CapturedRequest } from './ceiling';
import { explain, type ExplainResult } from './database';
import { captureSql, type Scenario } from './measure';
import type { BenchService } from './service';
import type { PublishingBench } from './events';

const BACKLOG_POLL = /AS oldest_seconds\s+FROM outbox/;

export interface Captures {
  /** Per scenario: the statements of each captured request (its own parameters each). */
  requests: Record<string, CapturedRequest[]>;
  statementsPerRequest: Record<string, number>;
  sqlPerRequest: Record<string, string[]>;
  explained: ExplainResult[];
}

async function send(url: string, spec: ReturnType<Scenario['next']>, label: string) {
  const res = await fetch(`${url}${spec.path}`, {
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
  });
  if (res.status >= 300) throw new Error(`${label}: HTTP ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * Requests of each scenario with the SQL capture on: statements per request, the parameter sets
 * the pgbench ceiling replays (`ceilingSets` requests, each with the parameters `next()` gave
 * it), and the reads' statements EXPLAINed (those of the first request).
 */
export async function captureScenarios(
  client: Client,
  scenarios: Scenario[],
  service: BenchService,
  captureFile: string,
  events: PublishingBench | undefined,
): Promise<Captures> {
  const out: Captures = {
    requests: {},
    statementsPerRequest: {},
    sqlPerRequest: {},
    explained: [],
  };
  for (const scenario of scenarios) {
    // The events-on instance's capture runs until its relay has published the event, so its
    // statements include the relay's claim and completion.
    const target = scenario.events ? events!.service : service;
    const file = scenario.events ? `${captureFile}.events` : captureFile;
    const requests: CapturedRequest[] = [];
    for (let i = 0; i < Math.max(1, scenario.ceilingSets ?? 0); i++) {
      const round = scenario.events ? await events!.begin() : undefined;
      const spec = scenario.next();
      const statements = await captureSql(target, file, async () => {
        await send(target.url, spec, scenario.name);
        if (round && !(await events!.drained())) throw new Error('the event was not published');
      });
      // The outbox relay's backlog gauge polls on a timer: not part of the request (it shows up
      // during a long one, like the export), except where the relay publishes (events on).
      requests.push(
        scenario.events ? statements : statements.filter((s) => !BACKLOG_POLL.test(s.text)),
      );
      if (round) {
        const check = await round.finish();
        if (!check.ok) throw new Error(`${scenario.name}: ${JSON.stringify(check)}`);
      }
    }
    const [first] = requests;
    out.requests[scenario.name] = requests;
    out.statementsPerRequest[scenario.name] = first.length;
    out.sqlPerRequest[scenario.name] = first.map(({ text }) => text.replace(/\s+/g, ' ').trim());
    if (scenario.lines === undefined) {
      for (const { text, values } of first) {
        if (/^\s*(WITH|SELECT)/i.test(text))
          out.explained.push(await explain(client, scenario.name, text, values));
      }
    }
  }
  return out;
}

/**
 * The admin search: each filter and sort, and some combinations, planned as the service sends
 * them (EXPLAIN only, no load), so that the plan table shows which index serves each.
 */
export async function explainSearches(
  client: Client,
  service: BenchService,
  captureFile: string,
  admin: Record<string, string>,
  customerId: string,
): Promise<ExplainResult[]> {
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const searches: [string, string][] = [
    ['status list', 'status=pending,shipped'],
    ['payment_status', 'payment_status=failed'],
    ['created range', `created_from=${monthAgo}&created_to=${new Date().toISOString()}`],
    ['email', 'email=BIG.SPENDER@example.com'],
    ['user_id', `user_id=${customerId}`],
    ['order_number prefix', `order_number=ORD-${monthAgo.slice(0, 10).replace(/-/g, '')}`],
    ['total range', 'total_min=100&total_max=150.50'],
    ['product_id', `product_id=${SELLABLE[0]._id}`],
    ['flagged', 'flagged=true'],
    ['q', 'q=spender'],
    ['sort -total, page 50', 'sort=-total&page=50'],
    ['status + dates + q', `status=pending&created_from=${monthAgo}&q=buyer.1`],
  ];
  const explained: ExplainResult[] = [];
  for (const [label, query] of searches) {
    const statements = await captureSql(service, captureFile, () =>
      send(
        service.url,
        { method: 'GET', path: `/api/orders/all?${encodeURI(query)}`, headers: admin },
        `search ${label}`,
      ),
    );
    for (const { text, values } of statements) {
      if (/^\s*(WITH|SELECT)/i.test(text))
        explained.push(await explain(client, `search: ${label}`, text, values));
    }
  }
  return explained;
}
