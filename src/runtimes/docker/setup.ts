import { commandPath } from '../host-packages.js';
import type { DaemonSpec } from '../runtime.js';
import { probeDockerEngine } from './engine-backend.js';

/**
 * The Docker engine, for every runtime that drives it (docker, docker-crun; the tests' leftover checks too).
 * Started with crun beside runc where crun is installed (the docker-crun runtime names it per container).
 */
export const dockerDaemon: DaemonSpec = {
  name: 'dockerd',
  label: 'docker engine',
  answers: () =>
    probeDockerEngine().then(
      (engine) => engine.version,
      () => undefined,
    ),
  systemdUnit: 'docker',
  start() {
    const crun = commandPath('crun');
    return {
      file: 'dockerd',
      args: crun ? ['--add-runtime', `crun=${crun}`] : [],
      log: '/var/log/twinbench-dockerd.log',
    };
  },
  timeoutSeconds: 30,
};
