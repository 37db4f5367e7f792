import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  energyDeltaUj,
  meteredZones,
  readEnergyCounters,
  type EnergyCounters,
} from '../../../src/host/energy-counters.js';

/**
 * A simulated sysfs: the layout of the kernel's powercap and hwmon documentation (Documentation/power/powercap/
 * powercap.rst, Documentation/hwmon/sysfs-interface.rst), written here; not a tree recorded on a real machine.
 */
function tree(files: Record<string, string | null>): { root: string; roots: Parameters<typeof readEnergyCounters>[0] } {
  const root = mkdtempSync(join(tmpdir(), 'twinbench-energy-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (content === null) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, `${content}\n`);
    }
  }
  return {
    root,
    roots: { powercap: join(root, 'powercap'), hwmon: join(root, 'hwmon'), cpuinfo: join(root, 'cpuinfo') },
  };
}

test('RAPL zones and amd_energy channels are found with their wrap range; none readable or none at all says why', async () => {
  const rapl = tree({
    'powercap/intel-rapl:0/name': 'package-0',
    'powercap/intel-rapl:0/energy_uj': '123456789',
    'powercap/intel-rapl:0/max_energy_range_uj': '262143328850',
    'powercap/intel-rapl:0:0/name': 'core',
    'powercap/intel-rapl:0:0/energy_uj': '1000',
    'powercap/intel-rapl:0:0/max_energy_range_uj': '262143328850',
    'powercap/intel-rapl/name': 'not a zone (the control type folder)',
    'hwmon/hwmon0/name': 'amd_energy',
    'hwmon/hwmon0/energy1_input': '5000',
    'hwmon/hwmon0/energy1_label': 'Esocket0',
    'hwmon/hwmon1/name': 'k10temp',
    cpuinfo: 'flags\t\t: fpu vme',
  });
  const unreadable = tree({
    'powercap/intel-rapl:0/name': 'package-0',
    // A counter this process cannot read (root-only for a user; a folder here, since root reads any file).
    'powercap/intel-rapl:0/energy_uj': null,
    cpuinfo: 'flags\t\t: fpu vme',
  });
  const vm = tree({ cpuinfo: 'flags\t\t: fpu vme hypervisor' });
  const bare = tree({ cpuinfo: 'flags\t\t: fpu vme' });
  try {
    const at = (path: string) => join(rapl.root, path);
    const found = await readEnergyCounters(rapl.roots);
    assert.deepEqual(found, {
      zones: [
        {
          id: 'intel-rapl:0',
          name: 'package-0',
          maxEnergyRangeUj: 262143328850,
          readable: true,
          path: at('powercap/intel-rapl:0/energy_uj'),
        },
        {
          id: 'intel-rapl:0:0',
          name: 'core',
          maxEnergyRangeUj: 262143328850,
          readable: true,
          path: at('powercap/intel-rapl:0:0/energy_uj'),
        },
        { id: 'amd_energy/energy1', name: 'Esocket0', readable: true, path: at('hwmon/hwmon0/energy1_input') },
      ],
    });
    // The package holds its core: summing both would count the core twice.
    assert.deepEqual(
      meteredZones(found).zones.map((zone) => zone.id),
      ['intel-rapl:0', 'amd_energy/energy1'],
    );
    const denied = await readEnergyCounters(unreadable.roots);
    assert.equal(denied.zones[0]?.readable, false);
    assert.match(denied.missingReason ?? '', /^energy counters not readable by this user \(intel-rapl:0: /);
    assert.equal((await readEnergyCounters(vm.roots)).missingReason, 'no powercap zones: running inside a VM');
    assert.match(
      (await readEnergyCounters(bare.roots)).missingReason ?? '',
      /^no powercap zones: \/sys\/class\/powercap is absent/,
    );
  } finally {
    for (const made of [rapl, unreadable, vm, bare]) rmSync(made.root, { recursive: true, force: true });
  }
});

test('a counter that wrapped is read across its range; one that went back with no range is no reading', () => {
  assert.equal(energyDeltaUj(1000, 5000, 262143328850), 4000);
  assert.equal(energyDeltaUj(262143328000, 150, 262143328850), 1000);
  assert.equal(energyDeltaUj(5000, 1000, undefined), undefined);
});

test('the zones a run sums count no joule twice: psys alone where readable, else packages with their dram', () => {
  const zone = (id: string, name: string, readable = true) => ({ id, name, readable, path: `/x/${id}/energy_uj` });
  const counters = (zones: EnergyCounters['zones']): EnergyCounters => ({ zones });
  const ids = (found: ReturnType<typeof meteredZones>) => found.zones.map((entry) => entry.id);
  const server = [
    zone('intel-rapl:0', 'package-0'),
    zone('intel-rapl:0:0', 'core'),
    zone('intel-rapl:0:1', 'dram'),
    zone('intel-rapl:1', 'package-1'),
    zone('intel-rapl:1:0', 'dram'),
    zone('intel-rapl-mmio:0', 'package-0'),
  ];
  assert.deepEqual(ids(meteredZones(counters(server))), [
    'intel-rapl:0',
    'intel-rapl:0:1',
    'intel-rapl:1',
    'intel-rapl:1:0',
  ]);
  assert.deepEqual(ids(meteredZones(counters([...server, zone('intel-rapl:2', 'psys')]))), ['intel-rapl:2']);
  // An unreadable psys does not hide the packages.
  assert.deepEqual(
    ids(meteredZones(counters([zone('intel-rapl:0', 'package-0'), zone('intel-rapl:1', 'psys', false)]))),
    ['intel-rapl:0'],
  );
  assert.equal(
    meteredZones({ zones: [], missingReason: 'no powercap zones: running inside a VM' }).missingReason,
    'no powercap zones: running inside a VM',
  );
  assert.match(
    meteredZones(counters([zone('intel-rapl:0:0', 'core')])).missingReason ?? '',
    /no package, dram or psys zone/,
  );
  assert.equal(meteredZones(undefined).zones.length, 0);
});

/**
 * Zone layouts recorded on real machines: the listing a public script prints (name, zone, energy_uj,
 * max_energy_range_uj of every `intel-rapl:*` zone), whose comment block keeps the output of four machines; the
 * search index holding it did not name its repository. Two of them here, as they were listed: a four-socket machine
 * with core and dram subzones under every package (all ranges 65532610987 µJ), and a four-socket machine whose zone
 * numbers do not follow its package names (`intel-rapl:0` is `package-3`) and whose dram zones wrap at another
 * range (65712999613 µJ) than their packages (262143328850 µJ).
 */
function recorded(zones: [id: string, name: string, energy: number, range: number][]) {
  const files: Record<string, string | null> = { cpuinfo: 'flags\t\t: fpu vme' };
  for (const [id, name, energy, range] of zones) {
    files[`powercap/${id}/name`] = name;
    files[`powercap/${id}/energy_uj`] = String(energy);
    files[`powercap/${id}/max_energy_range_uj`] = String(range);
  }
  return tree(files);
}

test('zones recorded on real four-socket machines: every package with its dram, no core; each zone wraps at its own range', async () => {
  const jacobRange = 65532610987;
  const jacob = recorded(
    [0, 1, 2, 3].flatMap((n): [string, string, number, number][] => [
      [`intel-rapl:${n}`, `package-${n}`, 1_000_000 * (n + 1), jacobRange],
      [`intel-rapl:${n}:0`, 'core', 2_000_000 * (n + 1), jacobRange],
      [`intel-rapl:${n}:1`, 'dram', 3_000_000 * (n + 1), jacobRange],
    ]),
  );
  const smp01 = recorded(
    [0, 1, 2, 3].flatMap((n): [string, string, number, number][] => [
      [`intel-rapl:${n}`, `package-${3 - n}`, 226618687799 - n, 262143328850],
      [`intel-rapl:${n}:0`, 'dram', 60279115781 - n, 65712999613],
    ]),
  );
  try {
    const jacobZones = meteredZones(await readEnergyCounters(jacob.roots)).zones;
    assert.deepEqual(
      jacobZones.map((zone) => `${zone.id} ${zone.name}`),
      [0, 1, 2, 3].flatMap((n) => [`intel-rapl:${n} package-${n}`, `intel-rapl:${n}:1 dram`]),
    );
    const smpZones = meteredZones(await readEnergyCounters(smp01.roots)).zones;
    assert.deepEqual(
      smpZones.map((zone) => `${zone.id} ${zone.name} ${zone.maxEnergyRangeUj}`),
      [0, 1, 2, 3].flatMap((n) => [
        `intel-rapl:${n} package-${3 - n} 262143328850`,
        `intel-rapl:${n}:0 dram 65712999613`,
      ]),
    );
    // A dram counter near its own range wraps there, not at its package's.
    const dram = smpZones[1];
    assert.equal(energyDeltaUj(65712999000, 387, dram?.maxEnergyRangeUj), 1000);
  } finally {
    for (const made of [jacob, smp01]) rmSync(made.root, { recursive: true, force: true });
  }
});
