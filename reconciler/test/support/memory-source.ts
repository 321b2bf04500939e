/** A config source whose documents a test sets directly. */
import type { ConfigDocument, ConfigSource, ConfigUpdateHandler, SourceProblem } from '../../src/config/source';

export class MemorySource implements ConfigSource {
  private onUpdate: ConfigUpdateHandler | undefined;

  constructor(private documents: ConfigDocument[] = []) {}

  async start(onUpdate: ConfigUpdateHandler): Promise<void> {
    this.onUpdate = onUpdate;
    onUpdate({ documents: this.documents, problems: [], reason: 'config:initial-load' });
  }

  async stop(): Promise<void> {
    this.onUpdate = undefined;
  }

  set(documents: ConfigDocument[], problems: SourceProblem[] = [], reason = 'config:file-changed'): void {
    this.documents = documents;
    this.onUpdate?.({ documents, problems, reason });
  }
}
