// Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of it.
import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes `bytes` to `file` through a temporary file in the same directory: write, fsync,
 * rename over `file`, then fsync the directory so the rename itself is durable.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return; // Windows cannot open directories; the rename is still atomic there.
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is already synced.
  } finally {
    fs.closeSync(fd);
  }
}
