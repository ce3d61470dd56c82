import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A really small file system for disk-full tests: a tmpfs of `megabytes` MB, mounted where the
 * machine allows (root, or a CI runner with sudo-less mount rights). Filling it with a filler file
 * makes the next SQLite write fail with SQLITE_FULL; deleting the filler gives the space back.
 */
export type SmallDisk =
  | { dir: string; fill(): void; free(): void; unmount(): void; skipReason?: undefined }
  | { skipReason: string; dir?: undefined; fill?: undefined; free?: undefined; unmount?: undefined };

export function mountSmallDisk(megabytes = 4): SmallDisk {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return { skipReason: 'mounting a tmpfs needs root on Linux' };
  const dir = mkdtempSync(path.join(tmpdir(), 'verdict-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skipReason: `could not mount a tmpfs (${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? (error as Error).message})` };
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
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
