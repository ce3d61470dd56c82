/**
 * Errors the machine raises, not Verdict: a path that is a folder, no permission, a read-only or
 * full disk, a file that is not a database. They are the user's to fix, so the CLI says what
 * happened and how to fix it (exit 2) instead of calling them a bug.
 */
const FIXES: Record<string, string> = {
  EACCES: 'permission denied: check the permissions of that path, or run as a user who may use it',
  EPERM: 'operation not permitted: check the permissions of that path',
  EROFS: 'the file system is read-only: point VERDICT_HOME (or store.path) at a writable folder',
  EISDIR: 'that path is a folder: pass a file',
  ENOTDIR: 'a part of that path is a file, not a folder: fix the path',
  ENOSPC: 'no space left on the device (the disk is full): free space or use another disk',
  EDQUOT: 'the disk quota is used up: free space or use another disk',
  ENOENT: 'that path does not exist: fix the path',
  EMFILE: 'too many open files: raise the limit (ulimit -n)',
  SQLITE_CANTOPEN: 'the database file cannot be opened: check that store.path is a file in a writable folder',
  SQLITE_READONLY: 'the database is read-only: make the file and its folder writable, or point VERDICT_HOME at a writable folder',
  SQLITE_FULL: 'the disk is full: free space where the database lives',
  SQLITE_NOTADB: 'the file is not a Verdict (SQLite) database: point store.path at another file',
  SQLITE_CORRUPT: 'the database file is damaged: restore it from a backup or start a new one',
  SQLITE_IOERR: 'a disk I/O error: check the disk and free space',
};

/** One line for an environment error, or undefined when the error is something else. */
export function describeEnvironmentError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, path, syscall } = error as { code?: unknown; path?: unknown; syscall?: unknown };
  if (typeof code !== 'string') return undefined;
  // Extended SQLite codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DIRECTORY) share their primary code's fix.
  const fix = FIXES[code] ?? (code.startsWith('SQLITE_') ? FIXES[code.split('_').slice(0, 2).join('_')] : undefined);
  if (!fix) return undefined;
  const where = typeof path === 'string' ? ` ${path}` : '';
  const what = typeof syscall === 'string' ? `cannot ${syscall}${where}` : (error as Error).message;
  return `${what} (${code}): ${fix}`;
}

/**
 * stdout that fails (a full device, a closed pipe) must not end in a stack trace: a reader that
 * went away (EPIPE, `| head`) ends the run quietly; anything else is said once and exits 2.
 */
export function guardStandardOutput(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`verdict: cannot write the output (${error.code ?? error.message}): ${FIXES[error.code ?? ''] ?? 'check where stdout goes'}\n`);
    process.exit(2);
  });
}
