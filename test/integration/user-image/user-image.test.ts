import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import * as tarStream from 'tar-stream';
import { cacheDir } from '../../../src/paths.js';
import { validateResult } from '../../../src/results/schema.js';
import type { ResultFile } from '../../../src/results/types.js';
import { leftovers, readResult, runBench } from '../helpers.js';
import { buildHttpdImage, buildNginxImage, httpdTag, nginxTag, sharedRootfsTag, writeOciArchive } from './fixtures.js';

// A user's own images (bench all --image), built here from Debian packages: nginx (Debian's, with its
// CMD and EXPOSE 80) and a shell-less static httpd (FROM scratch, USER 65534), each as Docker and LXC container,
// VM (TCG here) and native, with load from the host; then each bad input.
const out = mkdtempSync(join(tmpdir(), 'twinbench-user-image-'));
const runtimes = ['--runtimes', 'native,docker,lxc,qemu', '--reps', '1', '--warmup', '0', '--out', out];

before(async () => {
  await buildNginxImage(await sharedRootfsTag());
  await buildHttpdImage();
});

after(async () => {
  rmSync(out, { recursive: true, force: true });
  await execa('docker', ['image', 'rm', '-f', nginxTag, httpdTag], { reject: false });
});

/** Nothing left: no container, cgroup or QEMU, and no conversion's temp folder in the cache. */
async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await leftovers(), []);
  const converting = existsSync(join(cacheDir(), 'user-images'))
    ? readdirSync(join(cacheDir(), 'user-images')).filter((name) => name.startsWith('.tmp-'))
    : [];
  assert.deepEqual(converting, []);
}

function completed(result: ResultFile): void {
  assert.deepEqual(validateResult(result), []);
  for (const trial of result.trials) {
    assert.equal(
      trial.state,
      'completed',
      `${trial.trialId}: ${trial.state === 'errored' ? trial.error : trial.state}`,
    );
  }
  assert.deepEqual(result.trials.map((trial) => trial.runtime).sort(), ['docker', 'lxc', 'native', 'qemu']);
}

test('nginx from the local engine: READY on its own log line, wrk load, the same figures for every runtime', async () => {
  const run = await runBench([
    'all',
    '--image',
    nginxTag,
    '--ready-log',
    'start worker process',
    '--load-duration',
    '2',
    '--load-connections',
    '8',
    ...runtimes,
  ]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  completed(result);
  const image = result.images.userImage;
  assert.equal(image?.source, 'docker-engine');
  assert.deepEqual(image?.cmd, ['nginx', '-g', 'daemon off; error_log stderr notice;']);
  assert.deepEqual(image?.exposedTcpPorts, [80]);
  for (const trial of result.trials) {
    if (trial.state !== 'completed') continue;
    const figure = (name: string) => trial.metrics.find((metric) => metric.name === name)?.value ?? Number.NaN;
    assert.ok(
      figure('http_requests_per_s') > 0 && figure('http_latency_p99_ms') >= figure('http_latency_p50_ms'),
      JSON.stringify(trial.metrics),
    );
    assert.ok(trial.boot.bootToReadyMs > 0);
    assert.ok(trial.evidence?.some((piece) => piece.source === 'host.wrk'));
    // Sampled from the trial's cgroup like every built-in workload.
    assert.ok((trial.resources['cgroup.memory_peak_bytes']?.peak ?? 0) > 0, trial.runtime);
  }
  // The second run finds the conversion in the cache.
  const again = await runBench([
    'all',
    '--image',
    nginxTag,
    '--ready-http',
    '/',
    '--load-duration',
    '1',
    ...runtimes,
    '--runtimes',
    'native',
  ]);
  assert.equal(again.exitCode, 0, again.all);
  assert.equal(readResult(again.stdout).result.images.userImage?.conversion.cached, true);
  await assertNothingLeft();
});

test('a shell-less static binary from a docker-save archive, loaded by --load-cmd', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-httpd-'));
  try {
    const archive = join(dir, 'httpd.tar');
    await execa('docker', ['image', 'save', '-o', archive, httpdTag]);
    // A client of the user's own: 20 sequential GETs with curl, its figures from curl's own timings.
    const client = join(dir, 'client.sh');
    writeFileSync(
      client,
      [
        'start=$(date +%s%N)',
        'for i in $(seq 20); do curl -fsS -o /dev/null -w "%{time_total}\\n" "http://$1:$2/index.html" || exit 1; done | sort -n > "$3"',
        'end=$(date +%s%N)',
        'awk -v ns=$((end - start)) \'{ t[NR] = $1 } END { printf "{\\"requests_per_s\\": %f, \\"latency_p50_ms\\": %f, \\"latency_p99_ms\\": %f}\\n", NR / (ns / 1e9), t[int(NR * 0.5)] * 1000, t[NR] * 1000 }\' "$3"',
        '',
      ].join('\n'),
    );
    const run = await runBench([
      'all',
      '--image',
      archive,
      '--load-cmd',
      `sh ${client} {host} {port} ${join(dir, 'times')}`,
      ...runtimes,
    ]);
    assert.equal(run.exitCode, 0, run.all);
    const { result } = readResult(run.stdout);
    completed(result);
    assert.equal(result.images.userImage?.source, 'docker-save');
    assert.deepEqual(
      [result.images.userImage?.uid, result.images.userImage?.gid, result.images.userImage?.workingDir],
      [65534, 65534, '/www'],
    );
    for (const trial of result.trials) {
      if (trial.state === 'completed')
        assert.ok(
          trial.metrics.some(
            (m) => m.name === 'http_requests_per_s' && m.source === 'host.load-cmd.requests_per_s' && m.value > 0,
          ),
        );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assertNothingLeft();
});

test('an OCI image layout archive, ready on GET 2xx, without load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-oci-'));
  try {
    await writeOciArchive(join(dir, 'oci.tar'), { architecture: 'amd64' });
    const run = await runBench([
      'all',
      '--image',
      join(dir, 'oci.tar'),
      '--ready-http',
      '/index.html',
      '--load-duration',
      '0',
      ...runtimes,
      '--runtimes',
      'native,docker',
    ]);
    assert.equal(run.exitCode, 0, run.all);
    const { result } = readResult(run.stdout);
    assert.equal(result.images.userImage?.source, 'oci-layout');
    assert.ok(result.trials.every((trial) => trial.state === 'completed' && trial.boot.bootToReadyMs > 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assertNothingLeft();
});

test('bad images: one clear line and exit 2 before anything runs; an entrypoint that exits or a port that never opens errors its trials (exit 4)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-bad-'));
  try {
    writeFileSync(join(dir, 'page.html'), 'not an image');
    await execa('tar', ['-C', dir, '-cf', join(dir, 'plain.tar'), 'page.html']);
    await writeOciArchive(join(dir, 'arm64.tar'), { architecture: 'arm64' });
    await writeOciArchive(join(dir, 'exits.tar'), {
      architecture: 'amd64',
      entrypoint: ['/httpd', '--no-such-option'],
    });
    // Hostile layers (issue #28): each refused from its headers, before anything is extracted.
    const hostile: Record<string, Partial<tarStream.Header>[]> = {
      dotdot: [{ name: '../../outside', type: 'file', size: 0 }],
      absolute: [{ name: '/etc/cron.d/twinbench-absolute', type: 'file', size: 0 }],
      hardlink: [{ name: 'passwd', type: 'link', linkname: '../../../etc/shadow', size: 0 }],
      symlink: [
        { name: 'escape', type: 'symlink', linkname: '/etc', size: 0 },
        { name: 'escape/cron.d/x', type: 'file', size: 0 },
      ],
    };
    for (const [name, members] of Object.entries(hostile)) {
      const pack = tarStream.pack();
      for (const header of members) pack.entry({ name: '', ...header } as tarStream.Header, ''); // empty bodies: every entry ends
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      await writeOciArchive(join(dir, `${name}.tar`), { architecture: 'amd64', upperLayer: Buffer.concat(chunks) });
    }
    const layer = '[0-9a-f]{12}';
    const cases: [string[], RegExp][] = [
      [
        ['--image', join(dir, 'dotdot.tar')],
        new RegExp(
          `dotdot\\.tar: image layer ${layer}: entry "\\.\\./\\.\\./outside" climbs out of the tree with "\\.\\."$`,
          'm',
        ),
      ],
      [
        ['--image', join(dir, 'absolute.tar')],
        new RegExp(
          `absolute\\.tar: image layer ${layer}: entry "/etc/cron\\.d/twinbench-absolute" has an absolute name$`,
          'm',
        ),
      ],
      [
        ['--image', join(dir, 'hardlink.tar')],
        new RegExp(
          `hardlink\\.tar: image layer ${layer}: entry "passwd" is a hard link out of the tree \\(to "\\.\\./\\.\\./\\.\\./etc/shadow"\\)$`,
          'm',
        ),
      ],
      [
        ['--image', join(dir, 'symlink.tar')],
        new RegExp(
          `symlink\\.tar: image layer ${layer}: entry "escape/cron\\.d/x" is written through the symlink "escape" the same layer made$`,
          'm',
        ),
      ],
      [
        ['--image', 'twinbench-test/no-such:1'],
        /^bench: --image twinbench-test\/no-such:1: no such file, and no such image in the local Docker engine$/m,
      ],
      [
        ['--image', join(dir, 'plain.tar')],
        /: not an image archive \(no manifest.json \(docker save\) nor oci-layout \+ index.json \(OCI layout\)\)$/m,
      ],
      [
        ['--image', join(dir, 'arm64.tar')],
        /is built for linux\/arm64; this run's guests are linux\/amd64 \(--arch arm64 runs it emulated\)$/m,
      ],
      [
        ['--image', httpdTag, '--workloads', 'cpu'],
        /^bench: --image runs the image as the one workload: leave out --workloads$/m,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runBench(['all', ...args, ...runtimes]);
      assert.equal(run.exitCode, 2, run.all);
      assert.match(run.stderr, message);
      assert.equal(
        run.stderr
          .trim()
          .split('\n')
          .filter((line) => line.startsWith('bench:')).length,
        1,
        run.stderr,
      );
    }
    assert.equal(existsSync('/outside'), false);
    assert.equal(existsSync('/etc/cron.d/x'), false);
    assert.equal(existsSync('/etc/cron.d/twinbench-absolute'), false);
    const exits = await runBench(['all', '--image', join(dir, 'exits.tar'), ...runtimes]);
    assert.equal(exits.exitCode, 4, exits.all);
    for (const trial of readResult(exits.stdout).result.trials) {
      assert.ok(trial.state === 'errored' && /exited/.test(trial.error), JSON.stringify(trial));
    }
    const closed = await runBench([
      'all',
      '--image',
      httpdTag,
      '--ready-port',
      '9',
      '--ready-timeout',
      '5',
      ...runtimes,
    ]);
    assert.equal(closed.exitCode, 4, closed.all);
    for (const trial of readResult(closed.stdout).result.trials) {
      assert.ok(
        trial.state === 'errored' &&
          /nothing accepted a TCP connection on the image's port 9 within 5 s/.test(trial.error),
        JSON.stringify(trial),
      );
    }
    // Natively the image shares the host's ports: one that already answers is refused, not measured.
    const taken = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const busy = await runBench([
        'all',
        '--image',
        httpdTag,
        '--ready-port',
        port,
        ...runtimes,
        '--runtimes',
        'native',
      ]);
      assert.equal(busy.exitCode, 4, busy.all);
      const [trial] = readResult(busy.stdout).result.trials;
      assert.ok(
        trial?.state === 'errored' && trial.error.includes(`port ${port} already answers on this host`),
        JSON.stringify(trial),
      );
    } finally {
      taken.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assertNothingLeft();
});
