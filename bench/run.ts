// `npm run bench` entry: the echo/HTTP benchmark suite (see bench/echo/run.ts).
await import('./echo/run.js');
