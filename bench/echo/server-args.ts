// `--port N --host H` for the baseline servers (same flags and listening line as ours).
export function listenArgs(argv: string[] = process.argv.slice(2)): { port: number; host: string } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { port: Number(value('--port') ?? 0), host: value('--host') ?? '127.0.0.1' };
}

export function announce(host: string, port: number): void {
  console.log(`listening on http://${host}:${port}`);
}
