import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { validateResult } from './schema.js';
import { resultSchemaVersion, type ResultFile, type RuntimeFigure } from './types.js';
import { jsonSyntaxProblem } from '../json-problem.js';
import { isJournal, resultFromJournal } from './journal.js';

/** Kinds and labels of the runtimes schema v1 knew (v2 records them in the file). */
const v1Runtimes: Readonly<Record<string, { kind: string; label: string }>> = {
  native: { kind: 'native', label: 'native' },
  docker: { kind: 'container', label: 'Docker (runc)' },
  qemu: { kind: 'vm', label: 'QEMU' },
  vagrant: { kind: 'vm', label: 'Vagrant (libvirt)' },
};

/**
 * What v1's `boot.vagrant` fields meant, as v2's described runtime figures. Frozen with the migration, as the
 * table above is: the Vagrant runtime describes the figures it writes today (runtimes/vagrant/figures.ts),
 * and a change there must not rewrite what an old file says.
 */
function v1VagrantFigures(old: Record<string, number>): Record<string, RuntimeFigure> {
  const figure = (value: number | undefined, description: string): RuntimeFigure => ({
    value: value ?? Number.NaN,
    unit: 'ms',
    description,
  });
  return {
    upMs: figure(old.upMs, '`vagrant up` from spawn to exit'),
    waitAfterReadyMs: figure(
      old.waitAfterReadyMs,
      'READY → `vagrant up` exit: Vagrant waiting for the DHCP lease and an SSH login',
    ),
    ...(old.memoryLimitAfterQemuMs === undefined
      ? {}
      : {
          memoryLimitAfterQemuMs: figure(
            old.memoryLimitAfterQemuMs,
            "QEMU's start → the harness's write of the memory limit on the domain's cgroup (libvirt could not apply it); compare with the qemu+firmware phase",
          ),
        }),
  };
}

/** v1 → v2: runtime records gain kind and label; Vagrant's `boot.vagrant` becomes described runtime figures. */
function migrateV1(value: Record<string, unknown>): Record<string, unknown> {
  const migrated: Record<string, unknown> = { ...value, schemaVersion: 2 };
  const runtimes = value.runtimes as Record<string, Record<string, unknown>> | undefined;
  if (runtimes && typeof runtimes === 'object') {
    migrated.runtimes = Object.fromEntries(
      Object.entries(runtimes).map(([name, record]) => [
        name,
        { ...(v1Runtimes[name] ?? { kind: 'vm', label: name }), ...record },
      ]),
    );
  }
  const trial = (entry: unknown): unknown => {
    const record = entry as { boot?: { vagrant?: Record<string, number> } } | null;
    const old = record?.boot?.vagrant;
    if (!record?.boot || !old || typeof old !== 'object') return entry;
    const { vagrant: _dropped, ...boot } = record.boot;
    return { ...record, boot: { ...boot, runtimeFigures: v1VagrantFigures(old) } };
  };
  for (const key of ['trials', 'warmups'] as const)
    if (Array.isArray(value[key])) migrated[key] = (value[key] as unknown[]).map(trial);
  return migrated;
}

/**
 * Bring an older file up to the current schema, one version at a time. v1: fill fields that early v1
 * writers left out, then v1 → v2 (runtime kinds and labels, described runtime figures).
 */
export function migrateResult(value: Record<string, unknown>): Record<string, unknown> {
  if (value.schemaVersion !== 1) return value;
  const migrated = { ...value };
  const images = value.images as Record<string, unknown> | undefined;
  if (images && images.initrd === undefined) migrated.images = { ...images, initrd: { source: 'built' } };
  if (migrated.warmups === undefined) migrated.warmups = [];
  const config = value.config as Record<string, unknown> | undefined;
  if (config && config.warmup === undefined) migrated.config = { ...config, warmup: 0 };
  return migrateV1(migrated);
}

/**
 * The largest result file read: a default-suite run of 180 trials is about 3 MB, so 256 MiB is far beyond any
 * run this harness writes, and below what a JavaScript string can hold.
 */
export const maxResultBytes = 256 * 2 ** 20;

/**
 * The largest magnitude of any number in a result file. Far beyond every figure (bytes, ns, counts) and
 * beyond cgroup v1's "no limit" (about 9.2e18), yet small enough that sums of squares over any run stay finite:
 * a file with ±1e308 is refused rather than turned into infinities and a verdict.
 */
const maxResultMagnitude = 1e20;

/** The path (JSON Pointer-like) of the first number out of range in a parsed file, or undefined. */
export function outOfRange(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Math.abs(value) > maxResultMagnitude ? `${path || '/'} = ${value}` : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const found = outOfRange(child, `${path}/${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Names that reports print as they are (runtimes, workloads, figures, units, labels) must look like the names
 * twinbench writes: a hostile file cannot turn them into Markdown links, autolinks (`www.`, `://`), HTML or
 * table cells. Free text (host names, notes, errors, tool output) is printed as code spans instead.
 */
const namePatterns = {
  runtime: /^[a-z0-9][a-z0-9_-]{0,63}$/,
  workload: /^[a-z0-9][a-z0-9_-]{0,63}$/,
  figure: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
  // Vagrant's `vagrant cli+define`: words, `+` and spaces, nothing Markdown or HTML would act on.
  phase: /^[A-Za-z0-9][A-Za-z0-9 _.+-]{0,63}$/,
  unit: /^[A-Za-z0-9µ%][A-Za-z0-9µ% /_-]{0,31}$/,
  label: /^[A-Za-z0-9][A-Za-z0-9 ()+,_-]{0,63}$/,
} as const;

/** The first name in a parsed result that does not look like one twinbench writes, as `where "value"`. */
function badName(record: Record<string, unknown>): string | undefined {
  const check = (kind: keyof typeof namePatterns, value: unknown, where: string): string | undefined => {
    if (typeof value !== 'string') return undefined;
    return namePatterns[kind].test(value) && !/www\./i.test(value)
      ? undefined
      : `${where} ${JSON.stringify(value.slice(0, 80))} is not a ${kind} name`;
  };
  const objects = (value: unknown): [string, Record<string, unknown>][] =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.entries(value).filter(
          (entry): entry is [string, Record<string, unknown>] => typeof entry[1] === 'object' && entry[1] !== null,
        )
      : [];
  const list = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value)
      ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
      : [];
  const figures = (value: unknown, where: string): string | undefined => {
    for (const [name, figure] of objects(value)) {
      const problem = check('figure', name, `${where} key`) ?? check('unit', figure.unit, `${where}/${name}/unit`);
      if (problem) return problem;
    }
    return undefined;
  };
  for (const [name, runtime] of objects(record.runtimes)) {
    const problem =
      check('runtime', name, '/runtimes key') ??
      check('label', runtime.label, `/runtimes/${name}/label`) ??
      list(runtime.facts)
        .map((fact, index) => check('label', fact.name, `/runtimes/${name}/facts/${index}/name`))
        .find(Boolean);
    if (problem) return problem;
  }
  for (const [index, trial] of [...list(record.trials), ...list(record.warmups)].entries()) {
    const where = `trial ${index + 1}`;
    const boot = trial.boot as Record<string, unknown> | undefined;
    const series = trial.series as Record<string, unknown> | undefined;
    const problem =
      check('runtime', trial.runtime, `${where} runtime`) ??
      check('workload', trial.workload, `${where} workload`) ??
      list(trial.metrics)
        .map(
          (metric) =>
            check('figure', metric.name, `${where} metric`) ?? check('unit', metric.unit, `${where} metric unit`),
        )
        .find(Boolean) ??
      list(boot?.phases)
        .map((phase) => check('phase', phase.name, `${where} boot phase`))
        .find(Boolean) ??
      figures(trial.resources, `${where} resources`) ??
      figures(trial.crossCheck, `${where} crossCheck`) ??
      figures(boot?.runtimeFigures, `${where} runtimeFigures`) ??
      figures(series?.columns, `${where} series`);
    if (problem) return problem;
  }
  for (const [name] of objects(record.workloads)) {
    const problem = check('workload', name, '/workloads key');
    if (problem) return problem;
  }
  for (const repetition of list(record.repetitions)) {
    const problem =
      check('runtime', repetition.runtime, 'repetitions runtime') ??
      check('workload', repetition.workload, 'repetitions workload');
    if (problem) return problem;
  }
  return undefined;
}

/** Parse and check a result file's text; throws a UsageError naming the file and the problem. */
export function parseResult(text: string, file: string): ResultFile {
  let value: unknown;
  try {
    // A run's journal, left behind by a harness that died: read as the interrupted result it holds.
    value = isJournal(text) ? resultFromJournal(text, file) : JSON.parse(text);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const why =
      text.trim() === '' ? 'the file is empty' : `not valid JSON, truncated? (${jsonSyntaxProblem(text, error)})`;
    throw new UsageError(`${file}: ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${file}: not a twinbench result (not a JSON object)`);
  const record = value as Record<string, unknown>;
  const tool = record.tool as { name?: unknown } | undefined;
  if (tool?.name !== 'twinbench' || record.schemaVersion === undefined)
    throw new UsageError(`${file}: not a twinbench result file (no tool.name "twinbench" and schemaVersion)`);
  const version = record.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new UsageError(`${file}: unknown schemaVersion ${JSON.stringify(version)}`);
  if (version > resultSchemaVersion) {
    throw new UsageError(
      `${file}: schemaVersion ${version} is newer than this twinbench reads (${resultSchemaVersion}); upgrade twinbench`,
    );
  }
  const absurd = outOfRange(record);
  if (absurd)
    throw new UsageError(
      `${file}: a number beyond any measurement (${absurd}; at most ±${maxResultMagnitude.toExponential()})`,
    );
  const migrated = migrateResult(record);
  const problems = validateResult(migrated);
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new UsageError(
      `${file}: does not match the result schema v${resultSchemaVersion}: ${problems.slice(0, 3).join('; ')}${more}`,
    );
  }
  const name = badName(migrated);
  if (name) throw new UsageError(`${file}: ${name}`);
  return migrated as unknown as ResultFile;
}

/** Read a result file from disk (see parseResult). */
export async function readResultFile(file: string): Promise<ResultFile> {
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > maxResultBytes)
      throw new UsageError(
        `${file}: ${(size / 2 ** 20).toFixed(0)} MiB is not a result file of twinbench's (at most ${maxResultBytes / 2 ** 20} MiB; a run of 180 trials is about 3 MB)`,
      );
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (error as Error).message})`,
    );
  }
  return parseResult(text, file);
}
