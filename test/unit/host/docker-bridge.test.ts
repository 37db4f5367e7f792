import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressInSubnet, inSubnet, parseRouteGet } from '../../../src/host/docker-bridge.js';

test('subnet arithmetic: membership and the n-th address', () => {
  assert.equal(inSubnet('172.17.0.2', '172.17.0.0/16'), true);
  assert.equal(inSubnet('172.18.0.2', '172.17.0.0/16'), false);
  assert.equal(inSubnet('10.0.0.300', '10.0.0.0/8'), false);
  assert.equal(inSubnet('10.1.2.3', 'garbage'), false);
  assert.equal(addressInSubnet('172.17.0.0/16', 2), '172.17.0.2');
  assert.equal(addressInSubnet('10.213.7.0/24', 1), '10.213.7.1');
});

test('ip route get: a directly attached bridge gives its device and the host source address', () => {
  // Recorded on this host with a stock dockerd (no Gateway in the bridge's IPAM).
  const docker0 = '[{"dst":"172.17.0.2","dev":"docker0","prefsrc":"172.17.0.1","flags":[],"uid":0,"cache":[]}]';
  assert.deepEqual(parseRouteGet(docker0), { device: 'docker0', source: '172.17.0.1' });
  assert.match(
    JSON.stringify(parseRouteGet('[{"dst":"172.17.0.2","gateway":"10.0.0.1","dev":"eth0","prefsrc":"10.0.0.5"}]')),
    /routed through the gateway 10\.0\.0\.1 on eth0/,
  );
  assert.match(JSON.stringify(parseRouteGet('[{"dst":"172.17.0.2","dev":"lo","prefsrc":"127.0.0.1"}]')), /loopback/);
  assert.match(JSON.stringify(parseRouteGet('not json')), /no JSON/);
});
