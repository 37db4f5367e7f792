import { execa } from 'execa';

/** USER_HZ (clock ticks per second) for /proc/PID/stat and cpuacct.stat; 100 on every mainstream kernel. */
export async function readClockTicks(): Promise<number> {
  const result = await execa('getconf', ['CLK_TCK'], { reject: false });
  const value = Number.parseInt(String(result.stdout).trim(), 10);
  return Number.isFinite(value) && value > 0 ? value : 100;
}
