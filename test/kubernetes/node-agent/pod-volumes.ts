/**
 * A pod's volumes on the node: ConfigMap, Secret, projected (service-account token, ConfigMap,
 * Secret, downward API), downwardAPI and emptyDir. Like the kubelet, the pod waits while a
 * non-optional ConfigMap or Secret does not exist yet, and the content follows changes (and token
 * refreshes) through atomic updates.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AtomicVolumeWriter, VolumeFile } from './atomic-volume-writer';
import { podFieldValue, resourceFieldValue } from './container-environment';
import type { DownwardApiFile, KeyToPath, Pod, Volume } from './pod-types';
import type { ServiceAccountTokens } from './service-account-tokens';

/** A volume cannot be set up yet (a missing ConfigMap or Secret): the pod waits in ContainerCreating. */
export class VolumeNotReadyError extends Error {}

/** Where volume content comes from. */
export interface VolumeSources {
  readonly configMap: (namespace: string, name: string) => { data: Record<string, Buffer> } | undefined;
  readonly secret: (namespace: string, name: string) => { data: Record<string, Buffer> } | undefined;
  readonly tokens: ServiceAccountTokens;
  readonly nodeAllocatable: Record<string, string>;
}

const DEFAULT_MODE = 0o644;

export class PodVolumes {
  private readonly writers = new Map<string, AtomicVolumeWriter>();
  private readonly plainDirs = new Map<string, string>();

  constructor(
    private readonly pod: Pod,
    private readonly volumesDir: string,
    private readonly sources: VolumeSources,
    private readonly addresses: { readonly podIp: string; readonly hostIp: string },
  ) {}

  /** The directory on the node that a volume mount binds. */
  hostPath(volumeName: string): string {
    const dir = this.writers.get(volumeName)?.dir ?? this.plainDirs.get(volumeName);
    if (!dir) throw new Error(`pod ${this.pod.metadata.namespace}/${this.pod.metadata.name} has no volume "${volumeName}"`);
    return dir;
  }

  /**
   * Creates every volume and writes (or refreshes) its content; throws VolumeNotReadyError naming
   * what is missing. Safe to call again: unchanged content is not rewritten.
   */
  async sync(): Promise<void> {
    for (const volume of this.pod.spec.volumes ?? []) {
      const dir = path.join(this.volumesDir, volume.name);
      if (volume.emptyDir) {
        this.makePlainDir(volume.name, dir, 0o777);
      } else if (volume.hostPath) {
        this.plainDirs.set(volume.name, existingHostPath(volume));
      } else {
        const files = await this.render(volume);
        let writer = this.writers.get(volume.name);
        if (!writer) {
          writer = new AtomicVolumeWriter(dir);
          this.writers.set(volume.name, writer);
        }
        writer.write(files);
      }
    }
  }

  private makePlainDir(name: string, dir: string, mode: number): void {
    if (!this.plainDirs.has(name)) {
      fs.mkdirSync(dir, { recursive: true });
      fs.chmodSync(dir, mode);
      this.plainDirs.set(name, dir);
    }
  }

  private async render(volume: Volume): Promise<Map<string, VolumeFile>> {
    const files = new Map<string, VolumeFile>();
    const namespace = this.pod.metadata.namespace!;
    if (volume.configMap) {
      const source = volume.configMap;
      this.addKeys(files, 'configmap', source.name, this.sources.configMap(namespace, source.name), source.items, source.optional, source.defaultMode);
    } else if (volume.secret) {
      const source = volume.secret;
      this.addKeys(files, 'secret', source.secretName, this.sources.secret(namespace, source.secretName), source.items, source.optional, source.defaultMode);
    } else if (volume.downwardAPI) {
      this.addDownwardApi(files, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode);
    } else if (volume.projected) {
      const mode = volume.projected.defaultMode;
      for (const source of volume.projected.sources) {
        if (source.serviceAccountToken) {
          const token = await this.sources.tokens.token(this.pod, source.serviceAccountToken);
          files.set(source.serviceAccountToken.path, { content: Buffer.from(token), mode: mode ?? DEFAULT_MODE });
        } else if (source.configMap) {
          const { name, items, optional } = source.configMap;
          this.addKeys(files, 'configmap', name, this.sources.configMap(namespace, name), items, optional, mode);
        } else if (source.secret) {
          const { name, items, optional } = source.secret;
          this.addKeys(files, 'secret', name, this.sources.secret(namespace, name), items, optional, mode);
        } else if (source.downwardAPI) {
          this.addDownwardApi(files, source.downwardAPI.items ?? [], mode);
        } else {
          throw new VolumeNotReadyError(`projected volume ${volume.name} has a source the node agent does not support: ${JSON.stringify(source)}`);
        }
      }
    } else {
      const type = Object.keys(volume).filter((key) => key !== 'name').join(', ');
      throw new VolumeNotReadyError(`volume ${volume.name} is of type ${type}, which the node agent does not support (configMap, secret, projected, downwardAPI, emptyDir, an existing hostPath)`);
    }
    return files;
  }

  private addKeys(
    files: Map<string, VolumeFile>, kind: string, name: string, object: { data: Record<string, Buffer> } | undefined,
    items: KeyToPath[] | undefined, optional: boolean | undefined, defaultMode: number | undefined,
  ): void {
    if (!object) {
      if (optional) return;
      throw new VolumeNotReadyError(`${kind} "${name}" not found`);
    }
    const mode = defaultMode ?? DEFAULT_MODE;
    if (!items) {
      for (const [key, content] of Object.entries(object.data)) files.set(key, { content, mode });
      return;
    }
    for (const item of items) {
      const content = object.data[item.key];
      if (content === undefined) {
        if (optional) continue;
        throw new VolumeNotReadyError(`${kind} "${name}" has no key "${item.key}"`);
      }
      files.set(item.path, { content, mode: item.mode ?? mode });
    }
  }

  private addDownwardApi(files: Map<string, VolumeFile>, items: DownwardApiFile[], defaultMode: number | undefined): void {
    const fieldSources = { pod: this.pod, ...this.addresses };
    for (const item of items) {
      const value = item.fieldRef
        ? podFieldValue(item.fieldRef, fieldSources)
        : resourceFieldValue(item.resourceFieldRef!, this.pod.spec.containers[0],
          { pod: this.pod, nodeAllocatable: this.sources.nodeAllocatable });
      files.set(item.path, { content: Buffer.from(value), mode: item.mode ?? defaultMode ?? DEFAULT_MODE });
    }
  }
}

/** A hostPath volume is only bound if it exists: the agent never creates directories on the node. */
function existingHostPath(volume: Volume): string {
  const hostPath = volume.hostPath as { path: string; type?: string };
  if (!fs.existsSync(hostPath.path)) {
    throw new VolumeNotReadyError(`hostPath ${hostPath.path} of volume ${volume.name} does not exist; the node agent does not create directories on the node`);
  }
  return hostPath.path;
}
