/** Default Debian mirror when the host's apt sources name none. */
export const defaultMirror = 'http://deb.debian.org/debian';

/**
 * Find the host's Debian mirror in apt sources text (deb822 `.sources` or one-line `.list`), so
 * debootstrap uses the same mirror (or local proxy) apt already uses. Security mirrors are skipped.
 */
export function parseAptMirror(text: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const deb822 = /^URIs:\s*(\S+)/i.exec(line);
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
    const uri = deb822?.[1] ?? oneLine?.[1];
    if (uri && /^https?:\/\//.test(uri) && !/security/.test(uri) && /debian\/?$/.test(uri)) {
      return uri.replace(/\/$/, '');
    }
  }
  return undefined;
}
