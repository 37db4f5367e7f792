import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { EnergyMeter, hostBusySeconds } from '../../../src/sampling/energy-meter.js';
import { simulatedJoules, startEnergySim, type SimulatedPower } from '../../energy-sim.js';

const stat = (busyTicks: number) =>
  `cpu  ${busyTicks} 0 0 1000 50 0 0 7 0 0\ncpu0 ${busyTicks} 0 0 1000 50 0 0 7 0 0\nintr 1\n`;

test('busy CPU time is user, nice, system, irq and softirq: not idle, iowait, steal or guest', () => {
  assert.ok(Math.abs((hostBusySeconds('cpu  100 2 30 5000 40 3 4 60 10 0\n', 0.01) ?? 0) - 1.39) < 1e-9);
  assert.equal(hostBusySeconds('cpu0 1 2 3\n', 0.01), undefined);
  assert.equal(hostBusySeconds('cpu  1 x 3 4 5 6 7\n', 0.01), undefined);
});

test('the meter sums its zones from the first reading, across a wrap; a counter gone backwards with no range, or stalled, ends its joules', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-meter-'));
  const write = (name: string, value: number | string) => writeFileSync(join(dir, name), `${value}\n`);
  try {
    write('stat', stat(100));
    write('package', 999_000_000);
    write('dram', 5_000_000);
    const zones = [
      { id: 'intel-rapl:0', path: join(dir, 'package'), maxEnergyRangeUj: 1_000_000_000 },
      { id: 'intel-rapl:0:1', path: join(dir, 'dram') },
    ];
    const meter = new EnergyMeter(zones, 0.01, join(dir, 'stat'));
    write('stat', stat(150));
    write('package', 2_000_000); // wrapped: 1 J to the range, then 2 J
    write('dram', 5_500_000);
    const first = meter.read();
    assert.equal(first.joules, 3.5);
    assert.equal(first.hostCpuSeconds, 0.5);
    assert.equal(first.wraps, 1);
    write('dram', 4_000_000); // backwards, and the dram zone has no range
    assert.equal(meter.read().joules, undefined);
    assert.match(meter.problem ?? '', /intel-rapl:0:1 went backwards with no known range/);

    write('package', 10);
    const stalling = new EnergyMeter([zones[0] as (typeof zones)[0]], 0.01, join(dir, 'stat'));
    await sleep(300);
    assert.equal(stalling.read().joules, undefined);
    assert.match(stalling.problem ?? '', /\(intel-rapl:0\) stalled: they did not advance for \d+ ms/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a zone that never moves (a dram zone with no meter behind it) is no stall while the package moves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-meter-'));
  const write = (name: string, value: number) => writeFileSync(join(dir, name), `${value}\n`);
  try {
    write('stat', 0);
    write('package', 1_000_000);
    write('dram', 0);
    const meter = new EnergyMeter(
      [
        { id: 'intel-rapl:0', path: join(dir, 'package') },
        { id: 'intel-rapl:0:1', path: join(dir, 'dram') },
      ],
      0.01,
      join(dir, 'stat'),
    );
    await sleep(300);
    write('package', 3_000_000);
    assert.equal(meter.read().joules, 2);
    assert.equal(meter.problem, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Burn CPU on this thread for `ms`: the host's busy time moves, and the simulated power with it. */
function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

test('the simulated counter read by the meter: within 1 % of the simulated power, across wraps; its stall is caught', async () => {
  const root = mkdtempSync(join(tmpdir(), 'twinbench-sim-'));
  // wattsPerCpu small beside idleWatts: /proc/stat moves in whole ticks, and the simulation and the meter read it
  // microseconds apart, so one tick (0.01 s × wattsPerCpu) is the reading's own uncertainty at each end.
  const power: SimulatedPower = { idleWatts: 20, wattsPerCpu: 5, rangeJ: 60, startJ: 55 };
  const sim = await startEnergySim(root, power);
  try {
    const zone = { id: 'intel-rapl:0', path: join(root, 'powercap/intel-rapl:0/energy_uj'), maxEnergyRangeUj: 60e6 };
    const meter = new EnergyMeter([zone], 0.01);
    let previous = { joules: 0, cpu: 0, atMs: meter.startMs };
    for (let step = 0; step < 3; step++) {
      spin(300);
      await sleep(700);
      const reading = meter.read();
      const [joules, cpu] = [reading.joules as number, reading.hostCpuSeconds as number];
      const expected = simulatedJoules(power, (reading.atMs - previous.atMs) / 1000, cpu - previous.cpu);
      const measured = joules - previous.joules;
      assert.ok(
        Math.abs(measured / expected - 1) < 0.01,
        `step ${step}: ${measured} J measured, the simulation drew ${expected} J`,
      );
      previous = { joules, cpu, atMs: reading.atMs };
    }
    // 3 s at 20 W and more (at most 30 W × 1 s between readings: within one range), through a 60 J range that
    // started 5 J before its end.
    assert.ok(meter.read().wraps >= 1, 'the counter wrapped');
  } finally {
    sim.stop();
    rmSync(root, { recursive: true, force: true });
  }
  const stalledRoot = mkdtempSync(join(tmpdir(), 'twinbench-sim-'));
  // From its 2nd answer on, for 5 s, it holds the 1st's value (the meter's start).
  const stalled = await startEnergySim(stalledRoot, { ...power, rangeJ: 1000, stallAfterReads: 1, stallForMs: 5000 });
  try {
    const meter = new EnergyMeter(
      [{ id: 'intel-rapl:0', path: join(stalledRoot, 'powercap/intel-rapl:0/energy_uj'), maxEnergyRangeUj: 1e9 }],
      0.01,
    );
    // No advance for 600 ms (within the 5 s it holds still): stalled, whatever a loaded host did to the timing.
    await sleep(600);
    assert.equal(meter.read().joules, undefined);
    assert.match(meter.problem ?? '', /stalled/);
  } finally {
    stalled.stop();
    rmSync(stalledRoot, { recursive: true, force: true });
  }
});
