/**
 * Writes a volume's files the way the kubelet does, so readers never see half an update: the
 * payload goes into a fresh hidden directory, the `..data` symlink is swapped to it in one rename,
 * and each visible entry is a symlink through `..data`. File watchers (Envoy's SDS, the reconciler)
 * see one consistent change.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface VolumeFile {
  readonly content: Buffer;
  readonly mode: number;
}

const DATA_LINK = '..data';

export class AtomicVolumeWriter {
  private current: string | undefined;
  private generation = 0;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  }

  /** Replaces the volume's content with `files` (relative path → file); false when nothing changed. */
  write(files: ReadonlyMap<string, VolumeFile>): boolean {
    const fingerprint = JSON.stringify([...files].sort(([a], [b]) => a.localeCompare(b))
      .map(([file, { content, mode }]) => [file, mode, content.toString('base64')]));
    if (fingerprint === this.current) return false;

    this.generation += 1;
    const payloadName = `..${Date.now()}.${this.generation}`;
    const payloadDir = path.join(this.dir, payloadName);
    fs.mkdirSync(payloadDir, { mode: 0o755 });
    for (const [relative, file] of files) {
      const target = path.join(payloadDir, relative);
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.writeFileSync(target, file.content);
      fs.chmodSync(target, file.mode);
    }
    const previous = this.readDataLink();
    const temporaryLink = path.join(this.dir, `${DATA_LINK}_tmp`);
    fs.rmSync(temporaryLink, { force: true });
    fs.symlinkSync(payloadName, temporaryLink);
    fs.renameSync(temporaryLink, path.join(this.dir, DATA_LINK));

    const visible = new Set([...files.keys()].map((relative) => relative.split('/')[0]));
    for (const entry of visible) {
      const link = path.join(this.dir, entry);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join(DATA_LINK, entry), link);
    }
    for (const entry of fs.readdirSync(this.dir)) {
      if (!entry.startsWith('..') && !visible.has(entry)) fs.rmSync(path.join(this.dir, entry), { force: true });
    }
    if (previous && previous !== payloadName) fs.rmSync(path.join(this.dir, previous), { recursive: true, force: true });
    this.current = fingerprint;
    return true;
  }

  private readDataLink(): string | undefined {
    try {
      return fs.readlinkSync(path.join(this.dir, DATA_LINK));
    } catch {
      return undefined;
    }
  }
}
