import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasAllBinaries, resolveBinDir, type BinaryName } from './binaries.ts';
import { freePorts } from './free-port.ts';
import { KWOK_ANNOTATION, KWOK_ANNOTATION_VALUE } from './kwok.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { probe } from './probe.ts';
import { ProcessSupervisor, reapLeftoverRuns, type ManagedProcess } from './processes.ts';
import { describeError } from './wait-for.ts';

// A real control plane for tests: etcd, kube-apiserver (RBAC on, token auth), kube-scheduler,
// kube-controller-manager (all controllers, each with its own service account) and kwok, which
// plays the kubelet for Nodes annotated KWOK_ANNOTATION. Everything binds to 127.0.0.1 on ports
// picked at run time; logs, data, keys and kubeconfigs live in one run folder.

const KWOK_STAGES = join(dirname(fileURLToPath(import.meta.url)), 'kwok-stages.yaml');
const SERVICE_CIDR = '10.96.0.0/16';

export interface ControlPlaneOptions {
  binDir?: string;
  /** Per component; the API server is the slow one (seconds on a busy 2-core machine). */
  startTimeoutMs?: number;
  /**
   * The node lifecycle's clock, for a clock-accelerated hold (test/harness/kwok-lease-hour.int.test.ts):
   * the controller manager's --node-monitor-grace-period (default: its own, 50 s) and
   * --node-monitor-period (default 1s), and kwok's --node-lease-duration-seconds (default 40).
   */
  nodeLifecycle?: { monitorGracePeriod?: string; monitorPeriod?: string; leaseDurationSeconds?: number };
}

export interface ControlPlane {
  /** Admin kubeconfig (user `admin`, group system:masters). */
  kubeconfigPath: string;
  apiServerUrl: string;
  binDir: string;
  /** The run folder: logs (<component>.log), etcd data, keys, kubeconfigs. Removed by stop(). */
  tmpDir: string;
  logPaths: Record<string, string>;
  /** Component → pid (a test may pause one, e.g. kwok, to see the cluster react). */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

export class ComponentStartError extends Error {
  override name = 'ComponentStartError';
  constructor(component: string, reason: string, logTail: string, logPath: string, options?: { cause?: unknown }) {
    super(`${component} did not start: ${reason}\n--- last lines of ${logPath} ---\n${logTail}\n---`, options);
  }
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = options.binDir ?? resolveBinDir();
  if (!hasAllBinaries(binDir)) {
    throw new Error(`the control plane binaries are missing in ${binDir}: run \`npm run harness:build\` (needs the Go toolchain)`);
  }
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const reaped = reapLeftoverRuns();
  if (reaped.length > 0) console.warn(`harness: killed leftovers of a crashed run: ${reaped.join(', ')}`);

  const supervisor = new ProcessSupervisor();
  const dir = supervisor.runDir;
  const bin = (name: BinaryName) => join(binDir, name);
  try {
    const [etcdPort, etcdPeerPort, apiPort, schedulerPort, controllerManagerPort, kwokPort] = (await freePorts(6)) as [
      number, number, number, number, number, number,
    ];
    const apiServerUrl = `https://127.0.0.1:${apiPort}`;
    const tokens = { admin: token(), scheduler: token(), controllerManager: token(), kwok: token() };
    writeFileSync(
      join(dir, 'tokens.csv'),
      [
        `${tokens.admin},admin,admin,"system:masters"`,
        `${tokens.scheduler},system:kube-scheduler,system:kube-scheduler`,
        `${tokens.controllerManager},system:kube-controller-manager,system:kube-controller-manager`,
        // kwok writes node and pod status for any node; it is the simulator, so it gets admin rights.
        `${tokens.kwok},kwok,kwok,"system:masters"`,
      ].join('\n') + '\n',
      { mode: 0o600 },
    );
    const serviceAccountKey = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    writeFileSync(join(dir, 'sa.pub'), serviceAccountKey.publicKey);
    writeFileSync(join(dir, 'sa.key'), serviceAccountKey.privateKey, { mode: 0o600 });

    // etcd
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = supervisor.start('etcd', bin('etcd'), [
      '--name=harness',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=harness=http://127.0.0.1:${etcdPeerPort}`,
      // Test data: durability buys nothing and fsync is slow on shared disks.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await waitReady(supervisor, etcd, timeoutMs, async () => (await probe(`${etcdUrl}/health`)).body.includes('"health":"true"'));

    // kube-apiserver
    const certDir = join(dir, 'apiserver-certs');
    mkdirSync(certDir);
    const apiServer = supervisor.start('kube-apiserver', bin('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      // Self-signed serving certificate (and its CA) generated into cert-dir as apiserver.crt/.key.
      `--cert-dir=${certDir}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--anonymous-auth=true', // /readyz, /healthz for probes, as in real clusters (system:public-info-viewer)
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true',
      // The default admission chain of a real cluster (NamespaceLifecycle, LimitRanger, ServiceAccount,
      // DefaultTolerationSeconds, Priority, PodSecurity, ResourceQuota, webhooks, …) is kept on purpose.
      // A loopback address cannot be an Endpoints address: do not try to publish it for `kubernetes`.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--v=1',
    ]);
    await waitReady(supervisor, apiServer, timeoutMs, async () => {
      const { status, body } = await probe(`${apiServerUrl}/readyz`, { token: tokens.admin });
      if (status !== 200) throw new Error(`/readyz ${status}: ${body.split('\n').filter((l) => l.includes('[-]')).join(' ')}`);
      return true;
    });

    const caFile = join(certDir, 'apiserver.crt');
    const kubeconfig = (name: string, user: string, userToken: string) => {
      const path = join(dir, `${name}.kubeconfig`);
      writeKubeconfig({ path, server: apiServerUrl, caFile, user, token: userToken });
      return path;
    };
    const kubeconfigPath = kubeconfig('admin', 'admin', tokens.admin);

    const scheduler = supervisor.start('kube-scheduler', bin('kube-scheduler'), [
      `--kubeconfig=${kubeconfig('scheduler', 'system:kube-scheduler', tokens.scheduler)}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedulerPort}`,
      '--leader-elect=false',
      '--v=1',
    ]);
    const controllerManager = supervisor.start('kube-controller-manager', bin('kube-controller-manager'), [
      `--kubeconfig=${kubeconfig('controller-manager', 'system:kube-controller-manager', tokens.controllerManager)}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${controllerManagerPort}`,
      '--leader-elect=false',
      // Everything on by default plus the bootstrap-token controllers the forwarder's join tokens rely on.
      '--controllers=*,bootstrapsigner,tokencleaner',
      // Each controller acts as its own service account, as in a real cluster, so RBAC is exercised.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      `--root-ca-file=${caFile}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // A new Node loses its not-ready taint on the lifecycle controller's next pass: 1 s instead of 5 s
      // keeps "node joined → pods scheduled" quick in tests. The grace period stays the default.
      `--node-monitor-period=${options.nodeLifecycle?.monitorPeriod ?? '1s'}`,
      ...(options.nodeLifecycle?.monitorGracePeriod ? [`--node-monitor-grace-period=${options.nodeLifecycle.monitorGracePeriod}`] : []),
      '--v=1',
    ]);
    const kwok = supervisor.start(
      'kwok',
      bin('kwok'),
      [
        `--kubeconfig=${kubeconfig('kwok', 'kwok', tokens.kwok)}`,
        `--config=${KWOK_STAGES}`,
        `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=${KWOK_ANNOTATION_VALUE}`,
        `--server-address=127.0.0.1:${kwokPort}`,
        '--cidr=10.0.0.0/16',
        // IMPORTANT: kwok keeps no node Leases unless told (0 = none; 40 is only kwokctl's default): without
        // them a healthy node went NotReady every node-monitor-grace-period (50 s) and Ready again. Renewed
        // every 10 s (a quarter of the duration), as a kubelet does.
        `--node-lease-duration-seconds=${options.nodeLifecycle?.leaseDurationSeconds ?? 40}`,
      ],
      // kwok also reads ~/.kwok/kwok.yaml when it exists: point HOME at the run folder so a developer's file cannot leak in.
      { ...process.env, HOME: dir },
    );
    await Promise.all([
      waitReady(supervisor, scheduler, timeoutMs, async () => (await probe(`https://127.0.0.1:${schedulerPort}/healthz`)).status === 200),
      waitReady(supervisor, controllerManager, timeoutMs, async () => (await probe(`https://127.0.0.1:${controllerManagerPort}/healthz`)).status === 200),
      waitReady(supervisor, kwok, timeoutMs, async () => (await probe(`http://127.0.0.1:${kwokPort}/healthz`)).status === 200),
    ]);
    // The service account controller running under its own identity proves the controller manager
    // is really working (and tests' pods need the `default` service account to be admitted).
    await waitReady(supervisor, controllerManager, timeoutMs, async () => {
      const { status } = await probe(`${apiServerUrl}/api/v1/namespaces/default/serviceaccounts/default`, { token: tokens.admin });
      return status === 200;
    });

    const logPaths = Object.fromEntries(
      [etcd, apiServer, scheduler, controllerManager, kwok].map((p) => [p.name, p.logPath]),
    );
    return {
      kubeconfigPath,
      apiServerUrl,
      binDir,
      tmpDir: dir,
      logPaths,
      pids: Object.fromEntries([etcd, apiServer, scheduler, controllerManager, kwok].map((p) => [p.name, p.pid])),
      stop: () => supervisor.stop({ keepRunDir: process.env.HARNESS_KEEP_LOGS === '1' }),
    };
  } catch (error) {
    // Keep the logs of a failed start; the next run reaps the folder (its owner will be gone).
    await supervisor.stop({ keepRunDir: true });
    console.error(`harness: control plane failed to start; logs in ${dir}`);
    throw error;
  }
}

function token(): string {
  return randomBytes(24).toString('hex');
}

async function waitReady(
  supervisor: ProcessSupervisor,
  component: ManagedProcess,
  timeoutMs: number,
  isReady: () => Promise<boolean>,
): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  let lastProblem = 'not ready yet';
  for (;;) {
    if (component.exit) {
      const { code, signal } = component.exit;
      const reason = `exited (code ${code}, signal ${signal})`;
      throw new ComponentStartError(component.name, reason, supervisor.logTail(component), component.logPath);
    }
    try {
      if (await isReady()) return;
    } catch (error) {
      lastProblem = describeError(error);
    }
    if (Date.now() >= deadlineMs) {
      const reason = `not ready after ${timeoutMs} ms (${lastProblem})`;
      throw new ComponentStartError(component.name, reason, supervisor.logTail(component), component.logPath);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
