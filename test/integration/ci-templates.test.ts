import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { packageRoot } from '../../src/paths.js';
import { githubCommands, githubJobEnv, gitlabCommands, gitlabPipeline } from '../ci-templates.js';
import { ownLeftovers } from './helpers.js';

/**
 * The CI templates' own commands (ci/github/twinbench.yml's `run:` steps, ci/gitlab/twinbench.gitlab-ci.yml's
 * `script:` lines), read from the files and run as each system runs them, in a workspace laid out like a
 * checkout: two hosts, a first pipeline with no baseline, a promoted baseline, a second pipeline where one
 * host regressed, and the collect job. The suite is the fake runtimes' (the real pipeline, synthetic figures,
 * seconds); the host is set up already (TWINBENCH_SKIP_SETUP=1: scripts/test.sh ran setup).
 */
const root = mkdtempSync(join(tmpdir(), 'twinbench-ci-'));
// Six repetitions, the fewest with a 95 % median interval: what the jobs assert is their verdicts and files.
const flags = '--runtimes fake,fake-vm --workloads idle,cpu --reps 6 --warmup 0 --seed 5';

/** A checkout of twinbench: the repository's folders linked, ci/ copied (baselines get promoted into it). */
function workspace(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const entry of readdirSync(packageRoot)) {
    if (entry === 'ci' || entry === '.git' || entry === 'results' || entry === 'test-artifacts') continue;
    symlinkSync(join(packageRoot, entry), join(dir, entry));
  }
  cpSync(join(packageRoot, 'ci'), join(dir, 'ci'), { recursive: true });
  return dir;
}

const baseEnv = (dir: string) => ({
  DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  TWINBENCH_CACHE: join(root, 'cache'),
  TWINBENCH_SKIP_SETUP: '1',
  TWINBENCH_FLAGS: flags,
  TWINBENCH_OUT: 'twinbench-out',
  HOME: join(dir, 'home'),
});

/** One GitHub Actions job: each `run:` step in bash (-e), with the variables earlier steps wrote to $GITHUB_ENV. */
async function githubJob(
  dir: string,
  commands: string[],
  env: Record<string, string>,
): Promise<{ exitCode: number; summary: string; output: string }> {
  const files = { GITHUB_ENV: join(dir, `env-${Date.now()}`), GITHUB_STEP_SUMMARY: join(dir, `summary-${Date.now()}`) };
  writeFileSync(files.GITHUB_ENV, '');
  writeFileSync(files.GITHUB_STEP_SUMMARY, '');
  let output = '';
  for (const command of commands) {
    const exported = Object.fromEntries(
      readFileSync(files.GITHUB_ENV, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const step = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', command], {
      cwd: dir,
      reject: false,
      all: true,
      env: { ...env, ...exported, ...files },
    });
    output += step.all ?? '';
    if (step.exitCode !== 0)
      return { exitCode: step.exitCode ?? -1, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'), output };
  }
  return { exitCode: 0, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'), output };
}

test("the GitHub workflow's commands: no baseline, a promoted one, a regression that fails its host, and the cross-host report", {
  timeout: 300_000,
}, async () => {
  const dir = workspace('github');
  const { hostJob, collectJob } = githubCommands();
  const host = (name: string, scale = '1', extra: Record<string, string> = {}) =>
    githubJob(dir, hostJob, {
      ...baseEnv(dir),
      ...githubJobEnv(),
      TWINBENCH_HOST: name,
      TWINBENCH_FAKE_SCALE: scale,
      ...extra,
    });

  // No gh on this runner and nothing promoted: the fetch fails and so does the job (fail closed), with the fetch's words.
  const closed = await host('lab-a');
  assert.notEqual(closed.exitCode, 0, closed.output);
  assert.match(closed.output, /fetch-baseline: lab-a: no gh CLI on this runner: cannot fetch the baseline/);
  assert.ok(!existsSync(join(dir, 'twinbench-out', 'lab-a', 'result.json')), 'nothing ran on an unknown baseline');
  // A first run said as such: nothing is gated, and the summary says so; the history starts.
  const first = await host('lab-a', '1', { TWINBENCH_FIRST_RUN: '1' });
  assert.equal(first.exitCode, 0, first.output);
  for (const file of ['result.json', 'report.md', 'report.html', 'check.md', 'status.json', 'history.tar'])
    assert.ok(existsSync(join(dir, 'twinbench-out', 'lab-a', file)), file);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'twinbench-out', 'lab-a', 'status.json'), 'utf8')), {
    host: 'lab-a',
    benchAll: 0,
    check: null,
    result: 'result.json',
  });

  // Promoted as ci/README.md says: a folder of earlier results, ci/baselines/<host>/ (here the first run's history, one run).
  for (const name of ['lab-a', 'lab-b']) {
    mkdirSync(join(dir, 'ci', 'baselines', name));
    await execa('tar', [
      '-xf',
      join(dir, 'twinbench-out', 'lab-a', 'history.tar'),
      '-C',
      join(dir, 'ci', 'baselines', name),
    ]);
  }
  // One earlier run cannot say how runs differ: inconclusive (7). Without a confirming run the GitHub job ends green
  // with a warning annotation, never silently; its history grows to two runs.
  const warned = await host('lab-a', '1', { TWINBENCH_CONFIRM: '0' });
  assert.equal(warned.exitCode, 0, warned.output);
  assert.match(warned.output, /fetch-baseline: lab-a: the promoted baseline folder ci\/baselines\/lab-a\//);
  assert.match(warned.output, /::warning title=twinbench on lab-a: inconclusive::/);
  assert.match(warned.summary, /\*\*Inconclusive\*\*/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'twinbench-out', 'lab-a', 'status.json'), 'utf8')).check, 7);
  // With the confirming run (the default): the second run of the same software gives the run-to-run spread, and decides.
  const one = await host('lab-a');
  assert.equal(one.exitCode, 0, one.output);
  assert.match(one.output, /host-job: lab-a: check exit 7; a confirming run/);
  assert.doesNotMatch(one.output, /::warning/);
  assert.equal(one.summary.match(/^# twinbench check$/gm)?.length, 1, 'the final check only, once');
  assert.ok(existsSync(join(dir, 'twinbench-out', 'lab-a', 'confirm.json')));
  assert.equal(JSON.parse(readFileSync(join(dir, 'twinbench-out', 'lab-a', 'status.json'), 'utf8')).check, 0);
  const kept = (await execa('tar', ['-tf', join(dir, 'twinbench-out', 'lab-a', 'history.tar')])).stdout
    .split('\n')
    .filter((line) => line.endsWith('.json'));
  assert.equal(kept.length, 3, kept.join(' '));
  // The grown history promoted: unchanged, exit 0, no confirming run needed.
  for (const name of ['lab-a', 'lab-b']) {
    rmSync(join(dir, 'ci', 'baselines', name), { recursive: true });
    mkdirSync(join(dir, 'ci', 'baselines', name));
    await execa('tar', [
      '-xf',
      join(dir, 'twinbench-out', 'lab-a', 'history.tar'),
      '-C',
      join(dir, 'ci', 'baselines', name),
    ]);
  }
  const same = await host('lab-a');
  assert.equal(same.exitCode, 0, same.output);
  assert.match(same.summary, /\*\*Unchanged\*\*/);
  assert.equal(same.summary.match(/^# twinbench check$/gm)?.length, 1, 'the check is in the step summary once');
  assert.doesNotMatch(same.output, /a confirming run/);
  // Every figure 1.2x costlier on lab-b: regressed, confirmed by a second run, its job fails and says which figures.
  const slower = await host('lab-b', '1.2');
  assert.equal(slower.exitCode, 1, slower.output);
  assert.match(slower.output, /host-job: lab-b: check exit 1; a confirming run/);
  assert.match(slower.summary, /regressed/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'twinbench-out', 'lab-b', 'status.json'), 'utf8')).check, 1);
  assert.ok(!existsSync(join(dir, 'twinbench-out', 'lab-b', 'history.tar')), 'a regressed run never joins the history');
  // A host whose job died before a result: listed by the collect job, not dropped.
  mkdirSync(join(dir, 'twinbench-out', 'lab-c'));

  // download-artifact (merge-multiple) puts every host's folder under hosts/.
  cpSync(join(dir, 'twinbench-out'), join(dir, 'hosts'), { recursive: true });
  const collect = await githubJob(dir, collectJob, baseEnv(dir));
  assert.equal(collect.exitCode, 0, collect.output);
  const fleet = readFileSync(join(dir, 'fleet', 'fleet.md'), 'utf8');
  assert.match(fleet, /\| lab-a \| ok \| passed \| lab-a\/result\.json \|/);
  assert.match(fleet, /\| lab-b \| ok \| \*\*failed\*\* \| lab-b\/result\.json \|/);
  assert.match(fleet, /\| lab-c \| no status \(the job did not finish\) \| — \| \*\*none\*\* \|/);
  assert.equal(collect.summary, fleet);
  assert.match(readFileSync(join(dir, 'fleet', 'compare.md'), 'utf8'), /^# twinbench comparison/);
  // The history holds each host's result, its confirming run and the baseline it was checked against, once per run.
  const history = readFileSync(join(dir, 'fleet', 'history.md'), 'utf8');
  assert.match(history, /result file\(s\) of 1 host\(s\)/);
  assert.ok(existsSync(join(dir, 'fleet', 'history.html')));
  assert.deepEqual(await ownLeftovers(root, join(root, 'cache')), []);
});

test("the GitLab pipeline passes GitLab's schema (gitlab-ci-local) and its script fetches the baseline through the job artifacts API", {
  timeout: 300_000,
}, async () => {
  // gitlab-ci-local needs Node.js 22 or later: the pinned build the unit suite runs under.
  const prefix = (
    await execa('sh', [join(packageRoot, 'scripts', 'node-release.sh'), '--print-dir', '24'])
  ).stdout.trim();
  const repo = join(root, 'gitlab-lint');
  mkdirSync(repo);
  cpSync(gitlabPipeline, join(repo, '.gitlab-ci.yml'));
  await execa('git', ['init', '-q'], { cwd: repo });
  const lint = await execa(
    join(prefix, 'bin', 'node'),
    [join(packageRoot, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js'), '--list'],
    { cwd: repo, reject: false, all: true, env: { HOME: repo } },
  );
  assert.equal(lint.exitCode, 0, lint.all);
  assert.match(lint.all ?? '', /json schema validated/);
  assert.match(lint.all ?? '', /bench: \[lab-x86-1\]/);
  // The linter bites: a misspelt key fails it.
  writeFileSync(
    join(repo, '.gitlab-ci.yml'),
    readFileSync(gitlabPipeline, 'utf8').replace(
      '    paths:\n      - twinbench-out/',
      '    pathz:\n      - twinbench-out/',
    ),
  );
  const bad = await execa(
    join(prefix, 'bin', 'node'),
    [join(packageRoot, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js'), '--list'],
    { cwd: repo, reject: false, all: true, env: { HOME: repo } },
  );
  assert.notEqual(bad.exitCode, 0);
  assert.match(bad.all ?? '', /'pathz' property is not expected/);

  // The job artifacts API, as GitLab serves it: the last successful default-branch pipeline's file, by job name.
  const dir = workspace('gitlab');
  const { hostJob, collectJob } = gitlabCommands();
  const env = (name: string) => ({
    ...baseEnv(dir),
    TWINBENCH_HOST: name,
    CI_JOB_NAME: `bench: [${name}]`,
    CI_DEFAULT_BRANCH: 'main',
    CI_PROJECT_ID: '42',
    CI_JOB_TOKEN: 'token-123',
  });
  const script = (lines: string[], vars: Record<string, string>) =>
    execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', lines.join('\n')], {
      cwd: dir,
      reject: false,
      all: true,
      env: vars,
    });
  const requests: string[] = [];
  let served: string | undefined;
  let broken = false;
  const api = createServer((request, response) => {
    requests.push(`${request.headers['job-token']} ${request.url}`);
    const url = new URL(request.url ?? '/', 'http://gitlab.invalid');
    const wanted =
      url.pathname === '/api/v4/projects/42/jobs/artifacts/main/raw/twinbench-out/lab-a/history.tar' &&
      url.searchParams.get('job') === 'bench: [lab-a]';
    if (broken) {
      response.statusCode = 502;
      response.end('Bad Gateway: upstream gone');
    } else if (served && request.headers['job-token'] === 'token-123' && wanted) {
      response.end(readFileSync(served));
    } else {
      response.statusCode = 404;
      response.end('{"message":"404 Not found"}');
    }
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/api/v4`;
    // 404 is "never ran" or "expired": the job fails unless TWINBENCH_FIRST_RUN=1 says it is the first run.
    const unknown = await script(hostJob, { ...env('lab-a'), CI_API_V4_URL: url });
    assert.notEqual(unknown.exitCode, 0, unknown.all);
    assert.match(
      unknown.all ?? '',
      /no history\.tar from the last successful main pipeline \(404: it never ran, or its artifacts expired\); set TWINBENCH_FIRST_RUN=1/,
    );
    const first = await script(hostJob, { ...env('lab-a'), CI_API_V4_URL: url, TWINBENCH_FIRST_RUN: '1' });
    assert.equal(first.exitCode, 0, first.all);
    assert.match(first.all ?? '', /a first run, nothing to gate against/);
    // The first run's history served: one run, inconclusive, then decided with the confirming run: 0.
    served = join(root, 'served.tar');
    cpSync(join(dir, 'twinbench-out', 'lab-a', 'history.tar'), served);
    const second = await script(hostJob, { ...env('lab-a'), CI_API_V4_URL: url });
    assert.equal(second.exitCode, 0, second.all);
    assert.match(second.all ?? '', /the history of the last successful main pipeline/);
    assert.match(second.all ?? '', /check exit 7; a confirming run/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'twinbench-out', 'lab-a', 'status.json'), 'utf8')).check, 0);
    assert.ok(existsSync(join(dir, 'twinbench-out', 'lab-a', 'check.junit.xml')), 'the JUnit report GitLab reads');
    // A fetch that fails (not absent): the job fails with the API's words, and runs nothing.
    broken = true;
    const failed = await script(hostJob, { ...env('lab-a'), CI_API_V4_URL: url });
    assert.notEqual(failed.exitCode, 0, failed.all);
    assert.match(failed.all ?? '', /the job artifacts API answered HTTP 502: Bad Gateway: upstream gone/);
    // The first run (TWINBENCH_FIRST_RUN=1) asked nothing.
    assert.equal(requests.length, 3, requests.join('\n'));
  } finally {
    api.close();
  }
  const collect = await script(collectJob, baseEnv(dir));
  assert.equal(collect.exitCode, 0, collect.all);
  assert.match(readFileSync(join(dir, 'fleet', 'fleet.md'), 'utf8'), /\| lab-a \| ok \| passed \|/);
  rmSync(root, { recursive: true, force: true });
});
