import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boostState, fingerprintDimensions, selectedMode } from '../../../src/host/fingerprint.js';
import { hostLoadBetween, parseLoadSnapshot } from '../../../src/host/host-load.js';

test('fingerprint parsers: THP mode, boost from either interface, mitigations summarised', () => {
  assert.equal(selectedMode('always [madvise] never'), 'madvise');
  assert.equal(selectedMode(undefined), undefined);
  assert.equal(boostState('1', undefined), 'off');
  assert.equal(boostState(undefined, '1'), 'on');
  assert.equal(boostState(undefined, undefined), undefined);
  const dims = fingerprintDimensions({
    thp: 'never',
    swapBytes: 0,
    mitigations: { a: 'Vulnerable', b: 'Mitigation: x', c: 'Not affected' },
    versions: { twinbench: '1.0.0', node: 'v20', gitCommit: 'abcdef0123456789' },
  });
  assert.equal(dims.mitigations, '1 vulnerable of 3');
  assert.equal(dims.swap, 'none');
  assert.equal(dims['CPU governor'], 'not exposed');
  assert.equal(dims.twinbench, '1.0.0 (abcdef012345)');
});

test('host load around a trial: load averages and the steal time between two snapshots', () => {
  const stat = (steal: number) => `cpu  100 0 50 1000 5 0 1 ${steal} 0 0\ncpu0 1 2 3\n`;
  const before = parseLoadSnapshot('0.50 0.40 0.30 1/200 999', stat(10));
  const after = parseLoadSnapshot('1.25 0.60 0.35 2/201 1000', stat(35));
  assert.deepEqual(before, { load1: 0.5, stealTicks: 10 });
  assert.deepEqual(hostLoadBetween(before, after, 0.01), { loadBefore: 0.5, loadAfter: 1.25, stealSeconds: 0.25 });
  assert.equal(hostLoadBetween(undefined, after, 0.01), undefined);
});
