import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { packageRoot } from '../../src/paths.js';
import { readResultFile } from '../../src/results/read.js';
import { leftovers } from './helpers.js';

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * ansible/fleet.yml against this machine over real SSH: an sshd on loopback with generated keys (torn down
 * after), three inventory names for this host (two measure, one is given flags that fail) and one whose port
 * is closed. The playbook installs the packed package, runs bench all, fetches the results, and ends with a
 * comparison on the controller; the failures are reported and lose nobody's results.
 */
test('the Ansible playbook runs the fleet over SSH: results fetched and compared, a failing and an unreachable host reported, nothing left', {
  timeout: 900_000,
}, async () => {
  const ansibleHomeBefore = existsSync('/root/.ansible');
  const root = mkdtempSync(join(tmpdir(), 'twinbench-ansible-'));
  const [port, closedPort] = [await freePort(), await freePort()];
  for (const name of ['host_key', 'client_key'])
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, name)]);
  writeFileSync(join(root, 'authorized_keys'), readFileSync(join(root, 'client_key.pub')));
  // StrictModes would refuse keys below /tmp (world-writable); the folder itself is private.
  writeFileSync(
    join(root, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${root}/host_key`,
      `AuthorizedKeysFile ${root}/authorized_keys`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${root}/sshd.pid`,
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );
  const privsep = !existsSync('/run/sshd');
  if (privsep) mkdirSync('/run/sshd', { mode: 0o755 });
  const sshd = execa('/usr/sbin/sshd', ['-D', '-e', '-f', join(root, 'sshd_config')], { reject: false, all: true });
  try {
    for (let tries = 0; !existsSync(join(root, 'sshd.pid')) && tries < 100; tries++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(existsSync(join(root, 'sshd.pid')), 'sshd started');
    const pack = await execa('npm', ['pack', '--pack-destination', root, '--silent'], { cwd: packageRoot });
    const tarball = join(root, pack.stdout.trim().split('\n').at(-1) ?? '');
    writeFileSync(
      join(root, 'inventory.ini'),
      [
        '[twinbench]',
        'lab-a',
        'lab-b',
        "lab-bad twinbench_host_flags='--workloads no-such-workload'",
        `ghost ansible_port=${closedPort}`,
        '',
        '[twinbench:vars]',
        'ansible_host=127.0.0.1',
        `ansible_port=${port}`,
        'ansible_user=root',
        `ansible_ssh_private_key_file=${root}/client_key`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${root}/known_hosts -o StrictHostKeyChecking=no'`,
        'ansible_python_interpreter=/usr/bin/python3',
        '',
      ].join('\n'),
    );
    const fleet = join(root, 'fleet');
    mkdirSync(join(root, 'home'));
    // What the hosts need to reach the npm registry from a clean SSH session, as a lab's would.
    const passed = Object.fromEntries(
      ['NODE_EXTRA_CA_CERTS', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'].flatMap(
        (name) => (process.env[name] ? [[name, process.env[name]]] : []),
      ),
    );
    writeFileSync(
      join(root, 'vars.json'),
      JSON.stringify({
        twinbench_package: tarball,
        twinbench_fetch_dir: fleet,
        twinbench_prefix: join(root, 'prefix'),
        twinbench_remote_dir: join(root, 'remote'),
        twinbench_controller_bench: `node ${join(packageRoot, 'bin', 'bench.js')}`,
        twinbench_flags: '--runtimes native,docker --workloads idle --reps 1 --warmup 0',
        // A run of seconds, not hours: polled every 2 s instead of 15 (each host's run rounded up to 15 s before).
        twinbench_poll_s: 2,
        twinbench_environment: passed,
      }),
    );
    const started = Date.now();
    const play = await execa(
      'ansible-playbook',
      [
        '-i',
        join(root, 'inventory.ini'),
        join(packageRoot, 'ansible', 'fleet.yml'),
        '-e',
        `@${join(root, 'vars.json')}`,
      ],
      {
        reject: false,
        all: true,
        cwd: root,
        env: {
          HOME: join(root, 'home'),
          ANSIBLE_LOCAL_TEMP: join(root, 'local-tmp'),
          ANSIBLE_REMOTE_TEMP: join(root, 'remote-tmp'),
          ANSIBLE_SSH_CONTROL_PATH_DIR: join(root, 'cp'),
          ANSIBLE_NOCOLOR: '1',
          // One SSH round trip a task instead of three (no module file copied to the host first): ansible/README.md
          // recommends it for fleets too; each task took 3 to 8 s here without it.
          ANSIBLE_PIPELINING: '1',
        },
      },
    );
    console.log(
      `ansible-playbook: ${((Date.now() - started) / 1000).toFixed(1)} s for 4 inventory hosts (2 measured), exit ${play.exitCode}`,
    );
    // The last task fails the run because two hosts did not measure; everything before it ran.
    assert.equal(play.exitCode, 2, play.all);
    assert.match(play.all ?? '', /2 of 4 host\(s\) did not measure: lab-bad, ghost/);
    const table = readFileSync(join(fleet, 'fleet.md'), 'utf8');
    assert.match(table, /\| lab-a \| measured \| exit 0 \|/);
    assert.match(table, /\| lab-b \| measured \| exit 0 \|/);
    // Its flags are refused by setup already: bench setup reads the run line as bench all would.
    assert.match(table, /\| lab-bad \| failed \| — \| .*no-such-workload.* \(task: Set the host up /);
    assert.match(table, /\| ghost \| unreachable \| — \| .*Connection refused/);
    const fetched: string[] = [];
    for (const host of ['lab-a', 'lab-b']) {
      const status = JSON.parse(readFileSync(join(fleet, host, 'status.json'), 'utf8')) as {
        outcome: string;
        result: string;
      };
      assert.equal(status.outcome, 'measured');
      const file = join(fleet, host, status.result);
      const result = await readResultFile(file);
      assert.equal(result.status, 'completed');
      assert.deepEqual(Object.keys(result.runtimes).sort(), ['docker', 'native']);
      assert.ok(
        result.trials.every((trial) => trial.state === 'completed'),
        `${host}: every trial completed`,
      );
      // Installed from the packed package, not run from this checkout.
      assert.ok(!result.host.fingerprint?.versions.gitCommit, 'the installed package has no git checkout');
      assert.ok(existsSync(file.replace(/\.json$/, '.html')), `${host}: HTML report`);
      assert.ok(existsSync(file.replace(/\.json$/, '.md')), `${host}: Markdown report`);
      fetched.push(status.result);
    }
    const compare = readFileSync(join(fleet, 'compare.md'), 'utf8');
    assert.match(compare, /^# twinbench comparison/);
    for (const name of fetched) assert.ok(compare.includes(name), `compare names ${name}`);
    assert.match(readFileSync(join(fleet, 'history.md'), 'utf8'), /2 result file\(s\) of 1 host\(s\)/);
    assert.ok(existsSync(join(fleet, 'history.html')));
    // Nothing left on the host: its work folder, Ansible's temporary and async files, and no guests.
    assert.ok(!existsSync(join(root, 'remote')), 'work folder removed');
    assert.deepEqual(readdirSync(join(root, 'remote-tmp')), []);
    assert.equal(existsSync('/root/.ansible'), ansibleHomeBefore, '~/.ansible is as it was');
    assert.ok(!existsSync('/root/.ansible_async'), 'no ~/.ansible_async');
    assert.deepEqual(await leftovers(), []);
  } finally {
    // Ansible's SSH masters (ControlPersist) outlive the playbook by design: end them, and with them their sessions.
    await execa('pkill', ['-f', `${root}/cp/`], { reject: false });
    for (
      let tries = 0;
      tries < 50 && (await execa('pgrep', ['-P', String(sshd.pid)], { reject: false })).stdout.trim() !== '';
      tries++
    )
      await new Promise((resolve) => setTimeout(resolve, 100));
    sshd.kill('SIGTERM');
    await sshd;
    if (privsep) rmSync('/run/sshd', { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
  const stray = await execa('pgrep', ['-a', '-f', `${root}/|sshd: root@notty`], { reject: false });
  assert.equal(stray.stdout.trim(), '', 'no sshd, session or SSH master left');
});
