import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { probeDockerEngine } from '../docker/engine-backend.js';
import { mountHybridControllersForCrun } from '../docker-crun/setup.js';
import type { RuntimeSetup } from '../runtime.js';
import { podmanEngine, podmanSocket } from './engine.js';

/** Podman's Docker-compatible API service (rootful), at CONTAINER_HOST (unix://…) or its standard socket. */
export const podmanSetup: RuntimeSetup = {
  daemons: [
    {
      name: 'podman',
      label: `podman service at ${podmanSocket()}`,
      answers: () =>
        probeDockerEngine(podmanEngine()).then(
          (engine) => engine.version,
          () => undefined,
        ),
      // The socket unit serves the standard path only.
      ...(podmanSocket() === '/run/podman/podman.sock' ? { systemdUnit: 'podman.socket' } : {}),
      start() {
        mkdirSync(dirname(podmanSocket()), { recursive: true });
        return {
          file: 'podman',
          args: ['system', 'service', '--time', '0', `unix://${podmanSocket()}`],
          log: '/var/log/twinbench-podman.log',
        };
      },
      timeoutSeconds: 30,
    },
  ],
  hostChecks: mountHybridControllersForCrun,
};
