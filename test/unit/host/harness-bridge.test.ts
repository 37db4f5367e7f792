import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseSubnet, guestAddressing, ownedByNoLiveRun, runLinkTag } from '../../../src/host/harness-bridge.js';

test('the bridge subnet avoids every 10.213.N.0/24 already on the host, wrapping around', () => {
  assert.equal(chooseSubnet(['127.0.0.1', '172.17.0.1'], 7), 7);
  assert.equal(chooseSubnet(['10.213.7.1', '10.213.8.1'], 7), 9);
  assert.equal(chooseSubnet(['10.213.255.1'], 255), 0);
  const all = Array.from({ length: 256 }, (_, n) => `10.213.${n}.1`);
  assert.equal(chooseSubnet(all, 0), undefined);
});

test("Vagrant's 10.214.N.0/24 network avoids one already on the host (another run's, whose tag gave the same N), and only 10.214 counts", () => {
  assert.equal(chooseSubnet(['10.214.42.1', '10.213.43.1'], 42, '10.214.'), 43);
  assert.equal(chooseSubnet(['10.213.42.1'], 42, '10.214.'), 42);
});

test('guest addresses stay in the subnet, never .0/.1/.255, and the MAC follows the address', () => {
  const seen = new Set<string>();
  for (let index = 0; index < 600; index++) {
    const { cidr, mac } = guestAddressing(12, index);
    const host = Number(cidr.split('/')[0]!.split('.')[3]);
    assert.ok(cidr.startsWith('10.213.12.') && cidr.endsWith('/24'));
    assert.ok(host >= 2 && host <= 251, cidr);
    assert.match(mac, /^52:54:00:d5:0c:[0-9a-f]{2}$/);
    seen.add(`${cidr} ${mac}`);
  }
  // Reusing an address reuses its MAC (a stale ARP entry on the host stays right).
  assert.equal(seen.size, 250);
  // Link names: tb-TAG-N must fit in 15 characters.
  assert.equal(runLinkTag('20261126t132646z-ab12'), 'ab12');
  assert.ok(`tb-${runLinkTag('20261126t132646z-ab12')}-99999`.length <= 15);
});

test('bench clean: a tb- object belongs to a live run by its tag, whatever follows it', () => {
  const live = new Set(['20261126t132646z-ab12']);
  for (const name of ['tb-ab12', 'tb-ab12-3', 'tb-ab12-v', 'tb-ab12-vagrant-idle-1-default'])
    assert.equal(ownedByNoLiveRun(name, live), false, name);
  for (const name of ['tb-dead', 'tb-dead-0', 'tb-beef-v']) assert.equal(ownedByNoLiveRun(name, live), true, name);
  assert.equal(ownedByNoLiveRun('virbr0', live), false);
});
