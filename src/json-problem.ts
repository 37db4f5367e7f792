/**
 * V8's JSON.parse message quotes the text around the fault, newlines included; the error must stay one line, so
 * the quote's whitespace is folded and the place is given as line:column when V8 names a position.
 */
export function jsonSyntaxProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const folded = message.replace(/\s+/g, ' ');
  const position = /at position (\d+)/.exec(message);
  if (!position) return folded;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${folded}, line ${line} column ${column}`;
}
