import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrialSpec } from '../../contract/backend.js';
import { FakeBackend, type FakeScript } from './backend.js';
import { UsageError } from '../../errors.js';
import type { RuntimeKind } from '../../host/envelope.js';
import type { CreateContext, CreatedRuntime, RuntimeDescriptor } from '../runtime.js';

/**
 * The `fake` runtimes drive the real `bench all` pipeline (suite → sampler → result file → report → check)
 * with no engine, no image and no guest, in seconds (hyperfine's hidden debug mode, mock executor): every
 * figure is synthetic and a function of runtime kind, workload, figure and repetition only, so two runs
 * are identical. `TWINBENCH_FAKE_SCALE=1.2` makes every figure cost 1.2× more (a regression to detect).
 * Hidden from `--help` and doctor: for tests, never for measurements.
 */

/** Files of a cgroup v2 folder the real sampler reads; constant, so every sampled figure is deterministic. */
const cgroupFiles: Readonly<Record<string, string>> = {
  'cgroup.procs': '',
  'memory.current': '8749056\n',
  'memory.peak': '17301504\n',
  'memory.stat':
    'anon 69632\nfile 8388608\nkernel 114688\nshmem 8388608\ninactive_anon 8409088\nactive_anon 4096\ninactive_file 0\nactive_file 0\n',
  'cpu.stat':
    'usage_usec 827327\nuser_usec 667457\nsystem_usec 159870\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
  'io.stat': '',
};

/** A number in [−1, 1) fixed by its key. */
function jitter(key: string): number {
  return createHash('sha256').update(key).digest().readUInt16BE(0) / 0x8000 - 1;
}

/** How much more a kind pays than native in the synthetic figures (a VM boots slower and runs a bit slower). */
const kindCost: Readonly<Record<RuntimeKind, { boot: number; work: number }>> = {
  native: { boot: 5, work: 1 },
  container: { boot: 50, work: 1.02 },
  vm: { boot: 400, work: 1.1 },
};

/** What the fake guest prints for one trial: READY, memory, every figure the workload declares, EXIT. */
function fakeScript(kind: RuntimeKind, spec: TrialSpec, scale: number): FakeScript {
  if (spec.workload.hostClient)
    return {
      fail: `the fake runtime runs no host client: workload ${spec.workload.name} needs ${spec.workload.hostClient}`,
    };
  const rep = spec.trialId.split('-').at(-1) ?? '0';
  const noise = (what: string) => 1 + 0.01 * jitter(`${kind}|${spec.workload.name}|${what}|${rep}`);
  const cost = kindCost[kind];
  const results = spec.workload.metrics.map((metric) => {
    const base = metric.direction === 'higher' ? 1000 / (cost.work * scale) : 10 * cost.work * scale;
    return `TWINBENCH RESULT name=${metric.name} value=${(base * noise(metric.name)).toFixed(3)} unit=${metric.unit} source=${metric.source}`;
  });
  const used = Math.round(6 * 1024 * 1024 * cost.work);
  return {
    bootMs: cost.boot * scale * noise('boot'),
    lines: [
      `TWINBENCH READY uptime_s=${((cost.boot * 0.8) / 1000).toFixed(3)} mode=fake`,
      `TWINBENCH MEMORY at=ready used_bytes=${used} source=fake`,
      ...results,
      `TWINBENCH MEMORY at=exit used_bytes=${used} source=fake`,
      'TWINBENCH EXIT status=0',
    ],
  };
}

/** The scale of every synthetic cost, from TWINBENCH_FAKE_SCALE (default 1). */
function fakeScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TWINBENCH_FAKE_SCALE;
  if (raw === undefined) return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0)
    throw new UsageError(`TWINBENCH_FAKE_SCALE must be a positive number, got ${JSON.stringify(raw)}`);
  return scale;
}

async function createFake(
  name: 'fake' | 'fake-vm',
  kind: RuntimeKind,
  context: CreateContext,
): Promise<CreatedRuntime> {
  const dir = join(context.runDir, `${name}-cgroup`);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(cgroupFiles)) await writeFile(join(dir, file), text);
  const scale = fakeScale();
  const backend = new FakeBackend(name, (spec) => fakeScript(kind, spec, scale), { cgroup: { version: 2, dir } }, kind);
  return {
    backend,
    info: { synthetic: 'every figure is made up (tests of the pipeline only)', scale },
    emulated: false,
  };
}

const fakeDescriptor = <N extends 'fake' | 'fake-vm'>(name: N, kind: RuntimeKind): RuntimeDescriptor<N> => ({
  name,
  label: `${name} (synthetic)`,
  kind,
  summary: `synthetic ${kind} figures for tests of the pipeline (no engine, no image)`,
  hidden: true,
  needsImages: false,
  facts: [{ key: 'synthetic', name: 'synthetic' }],
  foreignGuests: true,
  probe: async () => `synthetic, every cost × ${fakeScale()}`,
  doctor: async () => [],
  create: (context: CreateContext) => createFake(name, kind, context),
});

/** A synthetic container runtime. */
export const fake = fakeDescriptor('fake', 'container');
/** A synthetic VM runtime, for ratios across kinds. */
export const fakeVm = fakeDescriptor('fake-vm', 'vm');
