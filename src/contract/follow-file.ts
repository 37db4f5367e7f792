import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/**
 * Follow a file another process appends to (a serial console that libvirt writes), feeding new
 * text to `onText` every `intervalMs`; waits for the file to appear. `stop()` reads what is left.
 */
export function followFile(path: string, onText: (text: string) => void, intervalMs = 25): { stop(): Promise<void> } {
  let handle: FileHandle | undefined;
  let position = 0;
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();
  const buffer = Buffer.alloc(64 * 1024);
  // A character split across two reads must not come out as two broken ones.
  const decoder = new StringDecoder('utf8');
  const poll = async () => {
    handle ??= await open(path, 'r').catch(() => undefined);
    if (!handle) return;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      onText(decoder.write(buffer.subarray(0, bytesRead)));
    }
  };
  const timer = setInterval(() => {
    busy = busy.then(poll).catch(() => undefined);
  }, intervalMs);
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await busy;
      await poll().catch(() => undefined);
      await handle?.close();
    },
  };
}
