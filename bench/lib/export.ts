import { cpuMsOf } from './host';
import { watchStalls } from './load';
import { acrossBackends, type MeasureContext, type Scenario } from './measure';
import type { ScenarioResult } from './report';
import { memoryOf, sampleRss, type BenchService } from './service';

/** One download: its CSV data rows (lines after the header) and status. */
async function download(service: BenchService, scenario: Scenario) {
  const spec = scenario.next();
  const started = performance.now();
  const res = await fetch(`${service.url}${spec.path}`, { headers: spec.headers });
  let newlines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) newlines++;
  }
  return { status: res.status, rows: Math.max(0, newlines - 1), ms: performance.now() - started };
}

/**
 * The CSV export, one download at a time for the duration (at least one): rows/s, latency,
 * CPU per download, peak RSS and how much RSS grew above what the service held before it.
 */
export async function measureExport(
  ctx: MeasureContext,
  scenario: Scenario,
  service: BenchService,
): Promise<ScenarioResult> {
  await download(service, scenario); // warm-up: plans, buffers, JIT
  const rssBefore = memoryOf(service.pid).rss;
  const dbCpu = await acrossBackends(ctx.client, ctx.database, cpuMsOf);
  const serviceCpu = cpuMsOf(service.pid);
  const rss = sampleRss(service.pid);
  const stall = watchStalls();
  const started = performance.now();
  const runs: Awaited<ReturnType<typeof download>>[] = [];
  while (runs.length === 0 || performance.now() - started < ctx.durationS * 1000) {
    runs.push(await download(service, scenario));
  }
  const durationS = (performance.now() - started) / 1000;
  const loadStallMs = stall.stop();
  const peakRssMiB = rss.stop();
  const cpu = [cpuMsOf(service.pid) - serviceCpu, await dbCpu()];
  const rows = runs.reduce((sum, r) => sum + r.rows, 0);
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  const statusCodes: Record<string, number> = {};
  for (const r of runs) statusCodes[r.status] = (statusCodes[r.status] ?? 0) + 1;
  const result: ScenarioResult = {
    scenario: scenario.name,
    title: scenario.title,
    connections: 1,
    peakRssMiB,
    serviceCpuMsPerReq: cpu[0] / runs.length,
    dbCpuMsPerReq: cpu[1] / runs.length,
    requests: runs.length,
    durationS,
    rps: runs.length / durationS,
    p50: ms[Math.floor((ms.length - 1) * 0.5)],
    p99: ms[Math.floor((ms.length - 1) * 0.99)],
    non2xx: runs.filter((r) => r.status >= 300).length,
    errors: 0,
    statusCodes,
    loadStallMs,
    export: {
      rowsPerDownload: runs[0].rows,
      rowsPerS: rows / durationS,
      rssGrowthMiB: peakRssMiB - rssBefore,
    },
  };
  ctx.log(
    `${scenario.name}: ${runs.length} download(s) of ${runs[0].rows} rows, ` +
      `${result.export!.rowsPerS.toFixed(0)} rows/s, peak RSS ${peakRssMiB.toFixed(0)} MiB ` +
      `(+${result.export!.rssGrowthMiB.toFixed(0)}), CPU/download ` +
      `${result.serviceCpuMsPerReq.toFixed(0)} + ${result.dbCpuMsPerReq.toFixed(0)} ms`,
  );
  return result;
}
