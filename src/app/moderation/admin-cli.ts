// `node build/src/main.js admin create --username NAME [--role admin|moderator|user] [--data-dir DIR | --database URL]`:
// creates an account in a data directory (or, with --database / DATABASE_URL, in the PostgreSQL
// schema servers and cluster members share), the password read from standard input (its first
// line; pipe it in, or type it at the prompt). Works whether or not a server runs on it: a
// running server sees the account at its first login.
import { createInterface } from 'node:readline';
import { hashPassword, MAX_PASSWORD, MIN_PASSWORD, USERNAME } from '../../moderation/passwords.js';
import { ROLES, UsernameTakenError, type ModerationStore, type Role } from '../../storage/moderation.js';
import { openModerationFromOutside } from '../../storage/sqlite/moderation-open.js';
import { defaultConfig } from '../../config/settings.js';

const USAGE = 'Usage: node build/src/main.js admin create --username NAME [--role admin|moderator|user] [--data-dir DIR | --database URL]\n' +
  '       (the password is read from standard input: its first line)';

export async function adminCli(argv: string[]): Promise<number> {
  const flag = (name: string) => {
    const at = argv.indexOf(name);
    return at === -1 ? undefined : argv[at + 1];
  };
  const username = flag('--username') ?? '';
  const role = (flag('--role') ?? 'admin') as Role;
  const dataDir = flag('--data-dir') ?? process.env.DATA_DIR ?? defaultConfig.dataDir;
  const database = flag('--database') ?? process.env.DATABASE_URL ?? '';
  if (argv[0] !== 'create' || !USERNAME.test(username) || !ROLES.includes(role) || (dataDir === '' && database === '')) {
    console.error(`${USAGE}\n\nA username is 3 to 32 letters, digits, "_", "-" or "."; the data directory may not be "".`);
    return 2;
  }
  if (process.stdin.isTTY) process.stderr.write(`password for ${username}: `);
  const password = await firstLine();
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    console.error(`a password has ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`);
    return 2;
  }
  const passwordCostLog2 = Number(process.env.PASSWORD_COST_LOG2 ?? defaultConfig.passwordCostLog2);
  const passwordHash = await hashPassword(password, passwordCostLog2);
  const { store, where, close } = await openStore(dataDir, database);
  try {
    const now = Date.now();
    const audit = { timeMs: now, actor: 'cli', username: 'cli', action: 'create-user', params: { username, role }, result: {} };
    const user = await store.createUser({ username, role, passwordHash, createdMs: now, guestActor: null }, audit);
    console.log(`created ${role} ${user.username} (user:${user.id}) in ${where}`);
    return 0;
  } catch (error) {
    if (error instanceof UsernameTakenError) {
      console.error(`the username ${username} is taken in ${where}`);
      return 1;
    }
    throw error;
  } finally {
    await close();
  }
}

/** PostgreSQL when a database is named (as the server decides), else the data directory's SQLite. */
async function openStore(dataDir: string, database: string): Promise<{ store: ModerationStore; where: string; close(): Promise<void> }> {
  if (database !== '') {
    const { openPostgresModeration } = await import('../../storage/postgres/open.js');
    return openPostgresModeration(database);
  }
  const { store, close } = openModerationFromOutside(dataDir);
  return { store, where: dataDir, close: async () => close() };
}

function firstLine(): Promise<string> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin, terminal: false });
    let done = false;
    lines.once('line', (line) => {
      done = true;
      lines.close();
      resolve(line);
    });
    lines.once('close', () => {
      if (!done) resolve('');
    });
  });
}
