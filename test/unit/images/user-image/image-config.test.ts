import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  debianArchOf,
  imageArgv,
  parseImageConfig,
  resolveImageUser,
} from '../../../../src/images/user-image/image-config.js';
import { launchScript, shellQuote, unshareCommand } from '../../../../src/images/user-image/launch.js';

// The config of twinbench-test/nginx:1 as `docker image save` wrote it (Docker 20.10), trimmed to what is read.
const nginxConfig = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  config: {
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Cmd: ['nginx', '-g', 'daemon off;'],
    ExposedPorts: { '80/tcp': {} },
    WorkingDir: '',
    User: '',
  },
});

test('an image config gives argv (Entrypoint then Cmd), env, working dir, user and exposed TCP ports', () => {
  const config = parseImageConfig(nginxConfig);
  assert.deepEqual(imageArgv(config), ['nginx', '-g', 'daemon off;']);
  assert.equal(config.workingDir, '/');
  assert.deepEqual(config.exposedTcpPorts, [80]);
  const both = parseImageConfig(
    JSON.stringify({
      architecture: 'arm64',
      config: { Entrypoint: ['/httpd', '-f'], Cmd: ['-h', '/www'], ExposedPorts: { '53/udp': {}, '8080': {} } },
    }),
  );
  assert.deepEqual(imageArgv(both), ['/httpd', '-f', '-h', '/www']);
  assert.deepEqual(both.exposedTcpPorts, [8080]);
  assert.equal(debianArchOf(both.architecture), 'arm64');
  assert.equal(debianArchOf('riscv64'), undefined);
});

test('a config with nothing to run, a relative working dir or no architecture is refused with every problem', () => {
  assert.throws(() => parseImageConfig('{"architecture":"amd64","config":{}}'), /neither Entrypoint nor Cmd/);
  assert.throws(
    () => parseImageConfig('{"config":{"Cmd":["x"],"WorkingDir":"www"}}'),
    /no architecture; config.WorkingDir must be absolute/,
  );
  assert.throws(() => parseImageConfig('not json'), /not JSON/);
});

test('the image user resolves against its own passwd and group, as Docker resolves it', () => {
  const passwd = 'root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n';
  const group = 'root:x:0:\nwww-data:x:33:\nstaff:x:50:\n';
  assert.deepEqual(resolveImageUser('', passwd, group), { uid: 0, gid: 0 });
  assert.deepEqual(resolveImageUser('www-data', passwd, group), { uid: 33, gid: 33 });
  assert.deepEqual(resolveImageUser('www-data:staff', passwd, group), { uid: 33, gid: 50 });
  assert.deepEqual(resolveImageUser('33', passwd, group), { uid: 33, gid: 33 });
  // No passwd at all (an image FROM scratch): numbers still work, a name does not.
  assert.deepEqual(resolveImageUser('65534:65534', undefined, undefined), { uid: 65534, gid: 65534 });
  assert.deepEqual(resolveImageUser('1000', undefined, undefined), { uid: 1000, gid: 0 });
  assert.throws(() => resolveImageUser('nginx', passwd, group), /user "nginx" is not in its \/etc\/passwd/);
  assert.throws(() => resolveImageUser('www-data:wheel', passwd, group), /group "wheel" is not in its \/etc\/group/);
});

test('launch.sh hands the exact argv and env to the command, quotes and spaces included', () => {
  const launch = {
    argv: ['printf', '%s|', "it's", 'a b', '$HOME'],
    env: ['A=1 2', "B=x'y"],
    workingDir: '/srv dir',
    uid: 7,
    gid: 8,
  };
  const script = `${launchScript(launch)}\ntb_env sh -c 'printf "%s;" "$A" "$B" "$(env | wc -l)"; "$@"' sh "$@"\necho; echo "$tb_uid $tb_gid $tb_workdir"`;
  const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(out, `1 2;x'y;3;it's|a b|$HOME|\n7 8 /srv dir\n`);
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
  assert.deepEqual(unshareCommand('/usr/bin/unshare', '.', launch).slice(0, 5), [
    'env',
    '-i',
    'A=1 2',
    "B=x'y",
    '/usr/bin/unshare',
  ]);
});
