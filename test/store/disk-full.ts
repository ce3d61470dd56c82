import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A really small file system for disk-full tests: a tmpfs of `megabytes` MB, mounted as root, or
 * through `sudo -n` where the user may (a CI runner), owned by the test's user. Filling it with a
 * filler file makes the next SQLite write fail with SQLITE_FULL; deleting the filler gives the
 * space back. Where neither is possible the caller skips — except in CI, where it must work.
 */
export type SmallDisk =
  | { dir: string; fill(): void; free(): void; remountReadOnly(): void; unmount(): void; skipReason?: undefined }
  | { skipReason: string; dir?: undefined; fill?: undefined; free?: undefined; remountReadOnly?: undefined; unmount?: undefined };

export function mountSmallDisk(megabytes = 4): SmallDisk {
  const privileged = privilegedRunner();
  if (typeof privileged === 'string') return unavailable(privileged);
  const dir = mkdtempSync(path.join(tmpdir(), 'verdict-small-disk-'));
  const owner = process.getuid?.() === 0 ? '' : `,uid=${process.getuid?.()},gid=${process.getgid?.()}`;
  try {
    privileged(['mount', '-t', 'tmpfs', '-o', `size=${megabytes}m${owner}`, 'tmpfs', dir]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return unavailable(`could not mount a tmpfs (${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? (error as Error).message})`);
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      // Write 64 kB blocks until the file system refuses (ENOSPC): the disk is then really full.
      const block = Buffer.alloc(64 * 1024, 1);
      for (let blocks = 0; blocks < 100_000; blocks += 1) {
        try {
          writeFileSync(filler, block, { flag: 'a' });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
          throw error;
        }
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    remountReadOnly() {
      privileged(['mount', '-o', 'remount,ro', dir]);
    },
    unmount() {
      privileged(['umount', '-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs mount/umount as root: directly when root, else through `sudo -n`; a string says why not. */
function privilegedRunner(): ((command: string[]) => void) | string {
  if (process.platform !== 'linux') return 'a tmpfs needs Linux';
  if (process.getuid?.() === 0) return ([program, ...args]) => void execFileSync(program!, args, { stdio: 'pipe' });
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'pipe' });
  } catch {
    return 'mounting a tmpfs needs root or password-less sudo';
  }
  return (command) => void execFileSync('sudo', ['-n', ...command], { stdio: 'pipe' });
}

function unavailable(reason: string): SmallDisk {
  if (process.env.CI) throw new Error(`a small tmpfs is required in CI (disk-full tests): ${reason}`);
  return { skipReason: reason };
}
