/** Standard input, whole, as bytes (`login --password-stdin`; `scan -` reads it a piece at a time instead). */
export async function readAllStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
