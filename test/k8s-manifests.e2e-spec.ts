import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Environment, validateEnvironment } from '../src/config/environment';
import { useOrderService } from './utils/fixture';
import { freePort } from './utils/service';

// The Kubernetes manifests in deploy/k8s must not drift from the service: every name, port, path
// and duration they mention is checked against the code, .env.example, the Dockerfile and
// package.json. Only the last block boots the app (on the e2e database), to request the probe
// and scrape paths the manifests name.

const ROOT = join(__dirname, '..');
const K8S = join(ROOT, 'deploy', 'k8s');

// --- The shapes read from the manifests (only the fields checked here) ------------------------

type Labels = Record<string, string>;
interface Metadata {
  name: string;
  labels?: Labels;
  annotations?: Labels;
}
interface Manifest<S = unknown> {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec: S;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}
interface Probe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Labels; limits?: Labels };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  volumes?: { name: string; emptyDir?: object }[];
  topologySpreadConstraints?: { topologyKey: string; labelSelector?: LabelSelector }[];
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: {
        podAffinityTerm: { topologyKey: string; labelSelector?: LabelSelector };
      }[];
    };
  };
}
interface PodTemplate {
  metadata: Metadata;
  spec: PodSpec;
}
interface DeploymentSpec {
  replicas: number;
  selector: LabelSelector;
  template: PodTemplate;
}
interface JobSpec {
  backoffLimit?: number;
  ttlSecondsAfterFinished?: number;
  template: PodTemplate;
}
interface ServiceSpec {
  type?: string;
  selector: Labels;
  ports: { name: string; port: number; targetPort: number | string }[];
}
interface HpaSpec {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
  metrics: {
    type: string;
    resource?: { name: string; target: { type: string; averageUtilization?: number } };
  }[];
}
interface PdbSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector: LabelSelector;
}
interface ServiceMonitorSpec {
  selector: LabelSelector;
  endpoints: { port: string; path?: string }[];
}

// --- Loading -----------------------------------------------------------------------------------

/** Files kept next to the base but never applied with it: placeholders and optional CRDs. */
const NOT_IN_BASE = /\.(example|optional)\.ya?ml$/;

function parseYaml(text: string, origin: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${origin}: ${doc.errors[0].message}`);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

const parseFile = (file: string) => parseYaml(readFileSync(join(K8S, file), 'utf8'), file);

const manifestFiles = readdirSync(K8S)
  .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
  .sort();
const byFile = new Map(manifestFiles.map((f) => [f, parseFile(f) as Manifest[]]));
const all = [...byFile.values()].flat();
const base = [...byFile].filter(([f]) => !NOT_IN_BASE.test(f)).flatMap(([, docs]) => docs);
const kustomization = parseFile('kustomization.yaml')[0] as { resources?: string[] };

function one<S>(kind: string, from: Manifest[] = base): Manifest<S> {
  const found = from.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as Manifest<S>;
}

const deployment = one<DeploymentSpec>('Deployment');
const job = one<JobSpec>('Job');
const service = one<ServiceSpec>('Service');
const hpa = one<HpaSpec>('HorizontalPodAutoscaler');
const pdb = one<PdbSpec>('PodDisruptionBudget');
const configMap = one<never>('ConfigMap');
const secret = one<never>('Secret', all);

const pod = deployment.spec.template;
const api = pod.spec.containers[0];
const migrationPod = job.spec.template;
const migrate = migrationPod.spec.containers[0];

// --- What the manifests are checked against ----------------------------------------------------

const SETTINGS = Object.keys(new Environment());
const ENV_EXAMPLE = [
  ...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm),
].map((m) => m[1]);
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
/** Credentials: only ever in the Secret. */
const CREDENTIALS = ['DATABASE_URL', 'PAYMENT_WEBHOOK_SECRET', 'REDIS_URL', 'SECRET_KEY'];
/** Users of the official Node.js images, for a Dockerfile that names its user. */
const IMAGE_USERS: Record<string, number> = { node: 1000 };

/** The runtime stage's last value of a Dockerfile instruction. */
function dockerfile(instruction: string): string {
  const values = [...DOCKERFILE.matchAll(new RegExp(`^${instruction}\\s+(\\S+)`, 'gm'))];
  if (values.length === 0) throw new Error(`the Dockerfile has no ${instruction}`);
  return values[values.length - 1][1];
}

function imageUid(): number {
  const user = dockerfile('USER').split(':')[0];
  const uid = /^\d+$/.test(user) ? Number(user) : IMAGE_USERS[user];
  if (uid === undefined) throw new Error(`unknown uid of the Dockerfile's USER ${user}`);
  return uid;
}

/** A pod's settings as the container sees them: its envFrom sources, then its own env. */
function effectiveEnv(container: Container): Map<string, { value: string; from: string }> {
  const env = new Map<string, { value: string; from: string }>();
  const put = (name: string, value: string, from: string) => {
    const earlier = env.get(name);
    if (earlier) throw new Error(`${name} is set by both ${earlier.from} and ${from}`);
    env.set(name, { value, from });
  };
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const target = all.find((m) => m.kind === kind && m.metadata.name === ref?.name);
    if (!target) throw new Error(`${container.name}: no ${kind} named ${ref?.name}`);
    for (const [name, value] of Object.entries(target.data ?? target.stringData ?? {})) {
      put(name, String(value), `${kind} ${ref?.name}`);
    }
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    if (valueFrom) throw new Error(`${name}: valueFrom is not expected (use the Secret)`);
    put(name, String(value), `${container.name}'s env`);
  }
  return env;
}

const apiEnv = effectiveEnv(api);
const migrateEnv = effectiveEnv(migrate);

/** A setting as the pod runs it: its manifest value, else the service's default. */
function setting<K extends keyof Environment>(name: K): Environment[K] {
  const raw = Object.fromEntries([...apiEnv].map(([k, { value }]) => [k, value]));
  return validateEnvironment(raw)[name];
}

function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
}

function containerPort(container: Container, port: number | string): number | undefined {
  return container.ports?.find((p) => p.name === port || p.containerPort === port)?.containerPort;
}

function preStopSeconds(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  if (!/(^|\/)sleep$/.test(command[0] ?? '')) throw new Error('preStop is not a sleep');
  return Number(command[1]);
}

function cpu(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

function bytes(quantity: string): number {
  const units: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
  const [, n, unit] = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(quantity) ?? [];
  if (n === undefined) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(n) * units[unit ?? ''];
}

// --- The checks --------------------------------------------------------------------------------

describe('deploy/k8s: the Kustomize base', () => {
  it('lists every manifest of the base, and only the files that exist', () => {
    const listed = [...(kustomization.resources ?? [])].sort();
    const expected = manifestFiles.filter((f) => !NOT_IN_BASE.test(f));
    expect(listed).toEqual(expected);
  });

  it.each(manifestFiles.filter((f) => NOT_IN_BASE.test(f)))(
    '%s is kept out of the base',
    (file) => {
      expect(kustomization.resources).not.toContain(file);
    },
  );

  it.each(manifestFiles)('%s holds named Kubernetes objects', (file) => {
    const docs = byFile.get(file)!;
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc).toEqual(
        expect.objectContaining({
          apiVersion: expect.any(String),
          kind: expect.any(String),
          metadata: expect.objectContaining({ name: expect.any(String) }),
        }),
      );
    }
  });

  it.each([
    ['Deployment', 'order-service'],
    ['Service', 'order-service'],
    ['ConfigMap', 'order-service-config'],
    ['Job', 'order-service-migrate'],
    ['HorizontalPodAutoscaler', 'order-service'],
    ['PodDisruptionBudget', 'order-service'],
  ])('has the %s %s', (kind, name) => {
    expect(one(kind).metadata.name).toBe(name);
  });

  it('never applies a Secret: the real one comes from the secret manager', () => {
    expect(base.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  (kubectl.status === 0 ? it : it.skip)('renders with `kubectl kustomize` (when installed)', () => {
    const out = spawnSync('kubectl', ['kustomize', K8S], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`kubectl kustomize failed: ${out.stderr}`);
    const rendered = parseYaml(out.stdout, 'kubectl kustomize') as Manifest[];
    const names = (ms: Manifest[]) => ms.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(names(rendered)).toEqual(names(base));
  });
});

describe('deploy/k8s: settings', () => {
  const sources: [string, string][] = [
    ...Object.keys(configMap.data ?? {}).map((n): [string, string] => [n, 'the ConfigMap']),
    ...Object.keys(secret.stringData ?? secret.data ?? {}).map((n): [string, string] => [
      n,
      'the Secret',
    ]),
    ...(api.env ?? []).map(({ name }): [string, string] => [name, "the Deployment's env"]),
    ...(migrate.env ?? []).map(({ name }): [string, string] => [name, "the Job's env"]),
  ];

  it.each(sources)('%s (%s) is a setting of the service, listed in .env.example', (name) => {
    expect(SETTINGS).toContain(name);
    expect(ENV_EXAMPLE).toContain(name);
  });

  it('keeps the credentials in the Secret, and only there', () => {
    expect(Object.keys(secret.stringData ?? {}).sort()).toEqual(CREDENTIALS);
    for (const name of CREDENTIALS) expect(configMap.data).not.toHaveProperty(name);
    for (const { name } of [...(api.env ?? []), ...(migrate.env ?? [])]) {
      expect(CREDENTIALS).not.toContain(name);
    }
  });

  it.each(Object.entries(secret.stringData ?? {}))(
    'the example Secret holds a placeholder for %s, never a real value',
    (_name, value) => {
      expect(value).toMatch(/CHANGE-ME/);
    },
  );

  it.each([
    ['Deployment', apiEnv],
    ['Job', migrateEnv],
  ])("the %s's settings pass the service's own validation as production", (_kind, env) => {
    const raw = Object.fromEntries([...env].map(([name, { value }]) => [name, value]));
    const validated = validateEnvironment(raw);
    expect(validated.NODE_ENV).toBe('production');
    expect(validated.DATABASE_URL).toBeDefined();
  });

  it('runs the Deployment without start-up migrations (the Job applies them)', () => {
    expect(setting('MIGRATIONS_RUN')).toBe(false);
  });

  it('gives the Job the same settings as the Deployment', () => {
    expect(migrate.envFrom).toEqual(api.envFrom);
  });
});

describe('deploy/k8s: the Deployment', () => {
  it('runs 3 replicas of the image the Job migrates with, with its own command', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(pod.spec.containers).toHaveLength(1);
    expect(migrate.image).toBe(api.image);
    expect(api.command).toBeUndefined(); // the image's CMD: node dist/main.js
    expect(api.args).toBeUndefined();
  });

  it("selects its own pods and not the migration Job's", () => {
    expect(selects(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(selects(deployment.spec.selector.matchLabels, migrationPod.metadata.labels)).toBe(false);
  });

  it('declares the port `http` as PORT, the port the image exposes', () => {
    expect(containerPort(api, 'http')).toBe(setting('PORT'));
    expect(Number(dockerfile('EXPOSE'))).toBe(setting('PORT'));
  });

  it('serves metrics on METRICS_PORT, the port `metrics`, as the scrape annotations say', () => {
    const metricsPort = setting('METRICS_PORT');
    expect(metricsPort).toBeDefined();
    expect(metricsPort).not.toBe(setting('PORT'));
    expect(containerPort(api, 'metrics')).toBe(metricsPort);
    expect(pod.metadata.annotations).toEqual(
      expect.objectContaining({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(metricsPort),
        'prometheus.io/path': '/metrics',
      }),
    );
  });

  it.each([
    ['startupProbe', '/health/live'],
    ['livenessProbe', '/health/live'],
    ['readinessProbe', '/health/ready'],
  ] as const)('%s: GET %s on the API port', (probe, path) => {
    const httpGet = api[probe]?.httpGet;
    expect(httpGet?.path).toBe(path);
    expect(containerPort(api, httpGet!.port)).toBe(setting('PORT'));
  });

  it('gives readiness time for its database ping, and takes pods out before restarting them', () => {
    const readiness = api.readinessProbe!;
    const liveness = api.livenessProbe!;
    expect(readiness.periodSeconds).toBeLessThanOrEqual(10);
    expect((readiness.timeoutSeconds ?? 1) * 1000).toBeGreaterThan(setting('HEALTH_DB_TIMEOUT_MS'));
    const patience = (p: Probe) => (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3);
    expect(patience(liveness)).toBeGreaterThan(patience(readiness));
  });

  it('gives start-up time for the database connection attempts before liveness applies', () => {
    const startup = api.startupProbe!;
    const budget = (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3);
    // TypeORM connects up to three times (retryAttempts: 2), one second apart.
    expect(budget).toBeGreaterThanOrEqual((3 * setting('DB_CONNECT_TIMEOUT_MS')) / 1000 + 2);
  });

  it('sleeps in preStop longer than a readiness period', () => {
    expect(preStopSeconds(api)).toBeGreaterThan(api.readinessProbe!.periodSeconds ?? 10);
  });

  it('lets a graceful shutdown end before the kill: preStop + drain + timeout', () => {
    const shutdownSeconds =
      preStopSeconds(api) + (setting('SHUTDOWN_DRAIN_MS') + setting('SHUTDOWN_TIMEOUT_MS')) / 1000;
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownSeconds);
  });

  it('spreads its pods over nodes', () => {
    const spread = (pod.spec.topologySpreadConstraints ?? []).filter(
      (c) => c.topologyKey === 'kubernetes.io/hostname',
    );
    const antiAffinity = (
      pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    )
      .map((t) => t.podAffinityTerm)
      .filter((t) => t.topologyKey === 'kubernetes.io/hostname');
    const terms = [...spread, ...antiAffinity];
    expect(terms.length).toBeGreaterThan(0);
    for (const term of terms) {
      expect(selects(term.labelSelector?.matchLabels, pod.metadata.labels)).toBe(true);
    }
  });
});

describe.each([
  ['Deployment', pod, api],
  ['Job', migrationPod, migrate],
])('deploy/k8s: hardening of the %s', (_kind, template, container) => {
  const effective = <K extends keyof SecurityContext>(key: K) =>
    container.securityContext?.[key] ?? template.spec.securityContext?.[key];

  it.each([
    ['runAsNonRoot', true],
    ['runAsUser', imageUid()],
    ['readOnlyRootFilesystem', true],
    ['allowPrivilegeEscalation', false],
  ] as const)('%s is %s', (key, value) => {
    expect(effective(key)).toBe(value);
  });

  it('drops every capability, adds none, and uses the runtime default seccomp profile', () => {
    expect(effective('capabilities')?.drop).toContain('ALL');
    expect(effective('capabilities')?.add ?? []).toEqual([]);
    expect(effective('privileged')).not.toBe(true);
    expect(effective('seccompProfile')).toEqual({ type: 'RuntimeDefault' });
  });

  it('has a writable /tmp on an emptyDir', () => {
    const mount = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(mount).toBeDefined();
    expect(template.spec.volumes?.find((v) => v.name === mount!.name)?.emptyDir).toBeDefined();
  });

  it('requests and limits CPU and memory, requests within limits', () => {
    const { requests, limits } = container.resources ?? {};
    expect(cpu(requests!.cpu)).toBeGreaterThan(0);
    expect(cpu(requests!.cpu)).toBeLessThanOrEqual(cpu(limits!.cpu));
    expect(bytes(requests!.memory)).toBeGreaterThan(0);
    expect(bytes(requests!.memory)).toBeLessThanOrEqual(bytes(limits!.memory));
  });

  it('mounts no service account token and gets no service-link variables', () => {
    expect(template.spec.automountServiceAccountToken).toBe(false);
    expect(template.spec.enableServiceLinks).toBe(false);
  });

  it('has the same security settings as the Deployment', () => {
    expect(template.spec.securityContext).toEqual(pod.spec.securityContext);
    expect(container.securityContext).toEqual(api.securityContext);
  });
});

describe('deploy/k8s: the migration Job', () => {
  it('runs the production migration command of package.json', () => {
    const command = [...(migrate.command ?? []), ...(migrate.args ?? [])].join(' ');
    expect(PACKAGE.scripts['migration:run:prod']).toBe(command);
  });

  it('runs a program that the build puts into dist/', () => {
    const script = (migrate.command ?? []).find((part) => part.startsWith('dist/'));
    expect(script).toMatch(/^dist\/.+\.js$/);
    // tsconfig.build.json compiles src/ to dist/.
    const source = script!.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    expect(existsSync(join(ROOT, source))).toBe(true);
  });

  it('never restarts in place, retries a few times, and is cleaned up', () => {
    expect(migrationPod.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
    expect(job.spec.backoffLimit).toBeLessThanOrEqual(6);
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
  });
});

describe('deploy/k8s: Service, autoscaler, disruption budget, ServiceMonitor', () => {
  it('routes a ClusterIP Service to the API pods only', () => {
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(selects(service.spec.selector, pod.metadata.labels)).toBe(true);
    expect(selects(service.spec.selector, migrationPod.metadata.labels)).toBe(false);
  });

  it.each([
    ['http', 'PORT', undefined],
    ['metrics', 'METRICS_PORT', undefined],
  ] as const)('Service port %s reaches the container port %s', (name, target, port) => {
    const servicePort = service.spec.ports.find((p) => p.name === name);
    expect(servicePort?.port).toBe(port ?? setting(target));
    expect(containerPort(api, servicePort!.targetPort)).toBe(setting(target));
  });

  it('scales the Deployment from its replica count to 10 on 70 % CPU', () => {
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBe(deployment.spec.replicas);
    expect(hpa.spec.maxReplicas).toBe(10);
    expect(hpa.spec.metrics).toContainEqual({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
    });
    // Utilization is a share of the request.
    expect(api.resources?.requests?.cpu).toBeDefined();
  });

  it('keeps all but one API pod through voluntary disruptions', () => {
    expect(selects(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(selects(pdb.spec.selector.matchLabels, migrationPod.metadata.labels)).toBe(false);
    if (pdb.spec.maxUnavailable !== undefined) {
      expect(pdb.spec.maxUnavailable).toBe(1);
    } else {
      expect(pdb.spec.minAvailable).toBe(hpa.spec.minReplicas - 1);
    }
  });

  const monitors = all.filter((m) => m.kind === 'ServiceMonitor') as Manifest<ServiceMonitorSpec>[];
  it.each(monitors.map((m) => [m.metadata.name, m] as const))(
    'the optional ServiceMonitor %s scrapes the Service port `metrics` at the annotated path',
    (_name, monitor) => {
      expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      for (const endpoint of monitor.spec.endpoints) {
        const servicePort = service.spec.ports.find((p) => p.name === endpoint.port);
        expect(containerPort(api, servicePort!.targetPort)).toBe(setting('METRICS_PORT'));
        expect(endpoint.path).toBe(pod.metadata.annotations?.['prometheus.io/path']);
      }
    },
  );
});

describe('deploy/k8s: the paths exist in the service', () => {
  let metricsPort: number;
  const t = useOrderService({
    // A free port stands in for METRICS_PORT (whose value is checked above), so that parallel
    // runs never collide.
    env: async () => ({ METRICS_PORT: String((metricsPort = await freePort())) }),
  });

  it.each(
    (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).map((probe) => [
      probe,
      api[probe]?.httpGet?.path ?? '(none)',
    ]),
  )('%s: GET %s answers 200', async (_probe, path) => {
    await t.http.get(path).expect(200);
  });

  it('serves the scrape path on METRICS_PORT, and not on the API port', async () => {
    const path = pod.metadata.annotations?.['prometheus.io/path'] ?? '(none)';
    const res = await fetch(`http://127.0.0.1:${metricsPort}${path}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^# HELP /m);
    await t.http.get(path).expect(404);
  });
});
