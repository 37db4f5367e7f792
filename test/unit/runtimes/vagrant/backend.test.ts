import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  boxVolumeName,
  domainCgroupGaps,
  domstatsCrossCheck,
  libvirtDomainCgroup,
  memtuneWorks,
} from '../../../../src/runtimes/vagrant/backend.js';
import {
  renderVagrantfile,
  rubyString,
  vagrantEnvelope,
  type VagrantfileValues,
} from '../../../../src/runtimes/vagrant/vagrantfile.js';
import { harnessNetworkXml, parseDomstats } from '../../../../src/runtimes/vagrant/libvirt.js';
import { boxMetadata, vagrantUserLines } from '../../../../src/runtimes/vagrant/box.js';
import { packageRoot } from '../../../../src/paths.js';
import { parseCgroupMounts } from '../../../../src/sampling/cgroup-paths.js';
import { fixture } from '../../../helpers.js';

const template = readFileSync(join(packageRoot, 'vagrant', 'Vagrantfile.template'), 'utf8');
const values: VagrantfileValues = {
  box: 'twinbench-amd64-abc',
  bootTimeoutSeconds: 120,
  driver: 'qemu',
  domainPrefix: 'tb-ab12-vagrant-idle-1-',
  vcpus: 1,
  possibleVcpus: 2,
  memoryMiB: 512,
  domainName: 'tb-ab12-vagrant-idle-1-default',
  envelope: vagrantEnvelope(1, 512),
  memtune: true,
  machineType: 'pc',
  cpu: { mode: 'custom', model: 'qemu64' },
  kernel: '/var/lib/twinbench/r/vmlinuz',
  initrd: '/var/lib/twinbench/r/initrd.gz',
  cmdLine: "console=ttyS0 panic=-1 -- mode=vm workload=idle note=it's#{`id`}",
  consoleLog: '/var/lib/twinbench/r/idle-1.console',
  pool: 'tb-ab12',
  network: 'tb-ab12-v',
  networkAddress: '10.214.18.0/24',
};

test('the Vagrantfile: every slot filled, TCG as driver "qemu" with the QEMU backend\'s CPU model, no interpolation', () => {
  const file = renderVagrantfile(template, values);
  assert.doesNotMatch(file, /\{\{/);
  assert.match(file, /lv\.driver = 'qemu'/);
  assert.match(file, /lv\.cpu_mode = 'custom'\n\s+lv\.cpu_model = 'qemu64'/);
  assert.match(
    file,
    /lv\.serial :type => "file", :source => \{ :path => '\/var\/lib\/twinbench\/r\/idle-1\.console' \}/,
  );
  assert.match(file, /config\.vm\.synced_folder "\.", "\/vagrant", disabled: true/);
  assert.match(file, /lv\.management_network_keep = true/);
  // Single-quoted Ruby: a quote is escaped, and #{…} stays text.
  assert.match(file, /lv\.cmd_line = 'console=ttyS0 panic=-1 -- mode=vm workload=idle note=it\\'s#\{`id`\}'/);
  const kvm = renderVagrantfile(template, { ...values, driver: 'kvm', cpu: { mode: 'host-passthrough' } });
  assert.match(kvm, /lv\.driver = 'kvm'/);
  assert.doesNotMatch(kvm, /cpu_model/);
  assert.equal(rubyString("a\\b'c"), "'a\\\\b\\'c'");
  // No scratch: no second disk. With one: the pool volume, raw, host cache bypassed, never created by Vagrant.
  assert.doesNotMatch(file, /lv\.storage :file/);
  const disk = renderVagrantfile(template, { ...values, scratchVolume: 'tb-ab12-vagrant-disk-1-scratch.img' });
  assert.match(
    disk,
    /lv\.storage :file, :path => 'tb-ab12-vagrant-disk-1-scratch\.img', :type => 'raw', :cache => 'none', :io => 'threads', :allow_existing => true/,
  );
  assert.throws(() => renderVagrantfile(`${template}{{nope}}`, values), /no value for \{\{nope\}\}/);
});

test("the Vagrantfile carries the envelope the QEMU runtime's trial cgroup gets: a memory hard limit and a whole-domain CPU quota set before StartDomain", () => {
  const file = renderVagrantfile(template, {
    ...values,
    vcpus: 2,
    possibleVcpus: 2,
    envelope: vagrantEnvelope(2, 512),
  });
  // 512 MiB guest RAM + 256 MiB for the VMM, in KiB.
  assert.match(file, /lv\.memtune :type => "hard_limit", :value => 786432\n/);
  assert.match(file, /hook\.before VagrantPlugins::ProviderLibvirt::Action::StartDomain, TwinbenchCpuQuota/);
  assert.match(file, /domain = 'tb-ab12-vagrant-idle-1-default'/);
  assert.match(
    file,
    /'schedinfo', domain, '--config', '--set', 'global_period=100000', '--set', 'global_quota=200000'/,
  );
  // A 1-vCPU TCG domain gets a possible second vCPU (maximum first, then the current count), as QEMU's -smp 1,maxcpus=2.
  const one = renderVagrantfile(template, values);
  assert.match(
    one,
    /system\('virsh', 'setvcpus', domain, '2', '--maximum', '--config', out: File::NULL\) &&\n\s+system\('virsh', 'setvcpus', domain, '1', '--config', out: File::NULL\)\n\s+raise "twinbench: virsh setvcpus/,
  );
  assert.doesNotMatch(file, /setvcpus/);
  // Where libvirt cannot raise QEMU's locked-memory limit, no memtune: the harness writes the limit instead.
  assert.doesNotMatch(renderVagrantfile(template, { ...values, memtune: false }), /memtune/);
});

test('memtune only where libvirt may raise the locked-memory rlimit: CAP_SYS_RESOURCE (bit 24) in CapEff', () => {
  assert.equal(memtuneWorks('Name:\tnode\nCapEff:\t000001ffffffffff\n'), true);
  // This CI host's root: every capability but CAP_SYS_RESOURCE.
  assert.equal(memtuneWorks('Name:\tnode\nCapEff:\t000001fffeffffff\n'), false);
  assert.equal(memtuneWorks('Name:\tnode\n'), false);
});

test('box metadata, the vagrant user, and the base volume name vagrant-libvirt looks for', () => {
  assert.deepEqual(boxMetadata(1024 ** 3), { provider: 'libvirt', format: 'qcow2', virtual_size: 1 });
  assert.equal(boxMetadata(1024 ** 3 + 1).virtual_size, 2);
  const user = vagrantUserLines();
  assert.match(user.passwd, /^vagrant:x:1000:1000:/);
  // Not locked ("!"): dropbear refuses locked accounts even with a key.
  assert.match(user.shadow, /^vagrant:\*:/);
  assert.equal(
    boxVolumeName('twinbench-amd64-abc', 1795701946),
    'twinbench-amd64-abc_vagrant_box_image_0_1795701946_box.img',
  );
  assert.equal(boxVolumeName('org/box', 1), 'org-VAGRANTSLASH-box_vagrant_box_image_0_1_box.img');
});

test('the harness network is isolated (no forward), STP off, and dnsmasq does not ping before leasing', () => {
  const xml = harnessNetworkXml('tb-ab12-v', 18);
  assert.doesNotMatch(xml, /<forward/);
  assert.match(xml, /<bridge name='tb-ab12-v' stp='off' delay='0'\/>/);
  assert.match(xml, /<ip address='10\.214\.18\.1' netmask='255\.255\.255\.0'>/);
  assert.match(xml, /<dnsmasq:option value='no-ping'\/>/);
});

test('virsh domstats --raw output parses into numbers', () => {
  const stats = parseDomstats(fixture('libvirt-host', 'domstats-raw'));
  assert.equal(stats.get('cpu.time'), 3324757000);
  assert.ok(Math.abs(stats.get('cpu.time')! - stats.get('cpu.user')! - stats.get('cpu.system')!) < 1e6);
  assert.equal(stats.get('balloon.rss'), 198448);
  assert.equal(stats.has('Domain'), false);
});

test('the domstats cross-check is read while the domain runs; a domain that stopped (its QEMU gone) gives none', () => {
  const running = new Map([
    ['state.state', 1],
    ['cpu.time', 3324757000],
    ['balloon.rss', 198448],
  ]);
  assert.deepEqual(domstatsCrossCheck(running), {
    cpu_seconds: { value: 3.324757, unit: 's', source: 'virsh.domstats.cpu.time', event: 'ready' },
    rss_bytes: { value: 198448 * 1024, unit: 'bytes', source: 'virsh.domstats.balloon.rss', event: 'ready' },
  });
  // Seen on a host: libvirt answered 1.04 s for a domain whose QEMU had just ended after 7.7 s of CPU time.
  assert.deepEqual(
    domstatsCrossCheck(
      new Map([
        ['state.state', 5],
        ['cpu.time', 1040000000],
      ]),
    ),
    {},
  );
  assert.deepEqual(domstatsCrossCheck(new Map([['cpu.time', 1040000000]])), {});
  assert.deepEqual(
    domstatsCrossCheck(
      new Map([
        ['state.state', 1],
        ['balloon.rss', 0],
      ]),
    ),
    {},
  );
});

test("the domain's cgroup: not before libvirt moved QEMU into its machine partition; emulator sub-group and root-level controllers dropped", () => {
  const mounts = parseCgroupMounts(fixture('cgroup-v1-host', 'proc-self-mountinfo'));
  // Just forked: still in libvirtd's own group.
  assert.equal(libvirtDomainCgroup('4:memory:/process_api/29dc\n2:cpuacct:/\n1:cpu:/\n', mounts), undefined);
  const placed = libvirtDomainCgroup(fixture('libvirt-host', 'proc-pid-cgroup'), mounts);
  assert.ok(placed && placed.version === 1);
  assert.match(placed.dirs.memory ?? '', /memory\/machine\/qemu-1-tb-probe\.libvirt-qemu$/);
  assert.match(placed.dirs.blkio ?? '', /blkio\/machine\/qemu-1-tb-probe\.libvirt-qemu$/);
  // cpuacct stayed at the root here (mounted apart from cpu): the whole host's figure, not the domain's.
  assert.equal(placed.dirs.cpuacct, undefined);
  const v2 = libvirtDomainCgroup('0::/machine.slice/machine-qemu-1-d.scope/libvirt/emulator\n', {
    v1: new Map(),
    v2: '/sys/fs/cgroup',
  });
  assert.deepEqual(v2, { version: 2, dir: '/sys/fs/cgroup/machine.slice/machine-qemu-1-d.scope/libvirt' });
});

test("a domain left in cpuacct's root (mounted apart from cpu) has its cgroup CPU columns missing with that reason, not zero", () => {
  const gaps = domainCgroupGaps({
    version: 1,
    dirs: { memory: '/sys/fs/cgroup/memory/machine/qemu-1-x.libvirt-qemu' },
  });
  assert.match(gaps['cgroup.cpu_seconds'] ?? '', /cpuacct hierarchy/);
  assert.deepEqual(Object.keys(gaps).sort(), [
    'cgroup.cpu_seconds',
    'cgroup.cpu_system_seconds',
    'cgroup.cpu_user_seconds',
  ]);
  assert.deepEqual(domainCgroupGaps({ version: 1, dirs: { memory: '/m', cpuacct: '/c' } }), {});
  assert.deepEqual(domainCgroupGaps({ version: 2, dir: '/sys/fs/cgroup/machine.slice/x' }), {});
});
